import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { PaymentRow, PaymentStore } from '../application/payment-store.port';
import type { PaymentStatus } from '../domain/payment';
import { AccountEntity, PaymentEntity } from './payment.entity';

/** Accounts and payments in Postgres (the PaymentStore port); writes through the caller's transaction manager. */
@Injectable()
export class PaymentRepository implements PaymentStore {
  constructor(private readonly dataSource: DataSource) {}

  async findAccount(customerId: string): Promise<AccountEntity | null> {
    return this.dataSource.getRepository(AccountEntity).findOneBy({ customerId });
  }

  async findPayment(orderId: string): Promise<PaymentEntity | null> {
    return this.dataSource.getRepository(PaymentEntity).findOneBy({ orderId });
  }

  /** The order's payment, locked until the transaction ends (StockReserved and OrderCancelled serialize on it). */
  async lockPayment(manager: EntityManager, orderId: string): Promise<PaymentRow | null> {
    const rows: { order_id: string; payment_id: string; customer_id: string; amount_cents: string; status: PaymentStatus; reason: string | null }[] =
      await manager.query(`SELECT * FROM payments WHERE order_id = $1 FOR UPDATE`, [orderId]);
    const r = rows[0];
    return r
      ? { orderId: r.order_id, paymentId: r.payment_id, customerId: r.customer_id, amountCents: Number(r.amount_cents), status: r.status, reason: r.reason }
      : null;
  }

  /** Takes `amount` from the balance only if it covers it (a conditional update: no read-modify-write race). */
  async debit(manager: EntityManager, customerId: string, amountCents: number): Promise<boolean> {
    const result: [unknown[], number] = await manager.query(
      `UPDATE accounts SET balance_cents = balance_cents - $2 WHERE customer_id = $1 AND balance_cents >= $2`,
      [customerId, amountCents],
    );
    return result[1] === 1;
  }

  async credit(manager: EntityManager, customerId: string, amountCents: number): Promise<void> {
    const result: [unknown[], number] = await manager.query(`UPDATE accounts SET balance_cents = balance_cents + $2 WHERE customer_id = $1`, [customerId, amountCents]);
    if (result[1] !== 1) throw new Error(`no account ${customerId} to credit`);
  }

  async accountExists(manager: EntityManager, customerId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT 1 FROM accounts WHERE customer_id = $1`, [customerId]);
    return rows.length > 0;
  }

  async insertPayment(manager: EntityManager, p: PaymentRow): Promise<void> {
    await manager.query(
      `INSERT INTO payments (order_id, payment_id, customer_id, amount_cents, status, reason) VALUES ($1, $2, $3, $4, $5, $6)`,
      [p.orderId, p.paymentId, p.customerId, p.amountCents, p.status, p.reason],
    );
  }

  async setStatus(manager: EntityManager, orderId: string, status: PaymentStatus, reason: string | null): Promise<void> {
    await manager.query(`UPDATE payments SET status = $2, reason = $3, updated_at = now() WHERE order_id = $1`, [orderId, status, reason]);
  }
}
