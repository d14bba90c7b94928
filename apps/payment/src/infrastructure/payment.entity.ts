import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PaymentStatus } from '../domain/payment';

const bigintAsNumber = { to: (v: number) => v, from: (v: string) => Number(v) };

/** A customer's balance in cents; a CHECK keeps it >= 0 whatever the code does. */
@Entity({ name: 'accounts' })
export class AccountEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'balance_cents', type: 'bigint', transformer: bigintAsNumber })
  balanceCents!: number;
}

/** One payment per order (primary key): an order can be charged at most once. */
@Entity({ name: 'payments' })
export class PaymentEntity {
  @PrimaryColumn({ name: 'order_id', type: 'text' })
  orderId!: string;

  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: bigintAsNumber })
  amountCents!: number;

  @Column({ type: 'text' })
  status!: PaymentStatus;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
