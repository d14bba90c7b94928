import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ReservationStatus } from '../domain/stock';

const bigintAsNumber = { to: (v: number) => v, from: (v: string) => Number(v) };

/** One product and its stock. Invariant (CHECKs): every count >= 0; initial stock = available + reserved + sold. */
@Entity({ name: 'products' })
export class ProductEntity {
  @PrimaryColumn({ type: 'text' })
  sku!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'price_cents', type: 'bigint', transformer: bigintAsNumber })
  priceCents!: number;

  /** Grows by one with each price change; carried by ProductPriced so order's price list keeps the newest. */
  @Column({ name: 'price_version', type: 'bigint', transformer: bigintAsNumber })
  priceVersion!: number;

  @Column({ type: 'int' })
  available!: number;

  @Column({ type: 'int' })
  reserved!: number;

  @Column({ type: 'int' })
  sold!: number;
}

/** The stock held for one order: one row per order, so a second OrderCreated can never reserve twice. */
@Entity({ name: 'reservations' })
export class ReservationEntity {
  @PrimaryColumn({ name: 'order_id', type: 'text' })
  orderId!: string;

  @Column({ type: 'text' })
  status!: ReservationStatus;

  @Column({ type: 'jsonb' })
  lines!: { sku: string; quantity: number }[];

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
