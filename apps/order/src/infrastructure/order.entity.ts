import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { OrderLine, OrderStatus, StatusChange } from '../domain/order';

/** Row of the `orders` table (database `orders`, owned by order_svc). */
@Entity({ name: 'orders' })
@Index('orders_customer_created', ['customerId', 'createdAt'])
export class OrderEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text' })
  status!: OrderStatus;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'jsonb' })
  items!: OrderLine[];

  @Column({ name: 'total_cents', type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  totalCents!: number;

  @Column({ type: 'jsonb' })
  history!: StatusChange[];

  /** The second line of defence of idempotency: one key, one order, even if Redis loses the token. */
  @Index('orders_idempotency_key', { unique: true })
  @Column({ name: 'idempotency_key', type: 'text' })
  idempotencyKey!: string;

  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** Customers this service knows (order's own copy of the customer directory; see docs/consistency.md). */
@Entity({ name: 'customers' })
export class CustomerEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;
}
