import { Injectable } from '@nestjs/common';
import type { OutboundEvent, UnitOfWork } from '@shop/outbox';
import { DataSource, EntityManager } from 'typeorm';
import { DuplicateIdempotencyKeyError, OrderStore } from '../application/order-store.port';
import { Order, OrderSnapshot } from '../domain/order';
import { OrderEntity } from './order.entity';

const UNIQUE_VIOLATION = '23505';

function insertStatement(order: Order): { sql: string; params: unknown[] } {
  const s = order.snapshot();
  return {
    sql: `INSERT INTO orders (id, customer_id, status, reason, items, total_cents, history, idempotency_key, request_hash, created_at)
          VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8, $9, $10)`,
    params: [s.id, s.customerId, s.status, s.reason, JSON.stringify(s.items), s.totalCents, JSON.stringify(s.history), s.idempotencyKey, s.requestHash, s.createdAt],
  };
}

/** The unique index on the idempotency key refusing a second order, as DuplicateIdempotencyKeyError. */
async function duplicateKeyAsError(order: Order, write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION && String((error as { constraint?: string }).constraint) === 'orders_idempotency_key') {
      throw new DuplicateIdempotencyKeyError(`an order already exists for idempotency key ${order.snapshot().idempotencyKey}`);
    }
    throw error;
  }
}

/** Orders in Postgres (the OrderStore port). Writes take the transaction's manager (UnitOfWork), reads the pool. */
@Injectable()
export class OrderRepository implements OrderStore {
  constructor(private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, order: Order): Promise<void> {
    const statement = insertStatement(order);
    await duplicateKeyAsError(order, manager.query(statement.sql, statement.params));
  }

  /**
   * Inserts a new order and its events in ONE statement (UnitOfWork.writeWithEvents: one round trip, atomic by
   * itself). The hot path of placing an order.
   */
  async insertWithEvents(unitOfWork: UnitOfWork, order: Order, events: readonly OutboundEvent[]): Promise<void> {
    await duplicateKeyAsError(order, unitOfWork.writeWithEvents(insertStatement(order), events));
  }

  /** Writes the aggregate's status, reason and history (the only fields that change after placement). */
  async update(manager: EntityManager, order: Order): Promise<void> {
    const s = order.snapshot();
    const result: [unknown[], number] = await manager.query(
      `UPDATE orders SET status = $2, reason = $3, history = $4::jsonb, updated_at = now() WHERE id = $1`,
      [s.id, s.status, s.reason, JSON.stringify(s.history)],
    );
    if (result[1] !== 1) throw new Error(`order ${s.id} was not updated (${result[1]} rows)`);
  }

  /** Locks the order's row until the transaction ends: event handlers and the sweeper serialize on it. */
  async findForUpdate(manager: EntityManager, id: string): Promise<Order | null> {
    const rows: OrderRow[] = await manager.query(`SELECT * FROM orders WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? Order.restore(fromRow(rows[0])) : null;
  }

  /**
   * Locks up to `limit` orders PENDING for longer than `olderThanMs`, skipping rows another replica's sweeper
   * (or an event handler) holds: both order replicas sweep without a leader and never cancel one order twice.
   */
  async lockTimedOut(manager: EntityManager, olderThanMs: number, limit: number): Promise<Order[]> {
    const rows: OrderRow[] = await manager.query(
      `SELECT * FROM orders
        WHERE status = 'PENDING' AND created_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY created_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED`,
      [olderThanMs, limit],
    );
    return rows.map((row) => Order.restore(fromRow(row)));
  }

  async findById(id: string): Promise<Order | null> {
    const row = await this.dataSource.getRepository(OrderEntity).findOneBy({ id });
    return row ? Order.restore(fromEntity(row)) : null;
  }

  async findByIdempotencyKey(key: string): Promise<Order | null> {
    const row = await this.dataSource.getRepository(OrderEntity).findOneBy({ idempotencyKey: key });
    return row ? Order.restore(fromEntity(row)) : null;
  }

  /** The customer's most recent orders, newest first (bounded). */
  async findByCustomer(customerId: string, limit: number): Promise<Order[]> {
    const rows = await this.dataSource.getRepository(OrderEntity).find({ where: { customerId }, order: { createdAt: 'DESC' }, take: limit });
    return rows.map((row) => Order.restore(fromEntity(row)));
  }

  async customerExists(customerId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM customers WHERE id = $1`, [customerId]);
    return rows.length > 0;
  }
}

interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderSnapshot['status'];
  reason: string | null;
  items: OrderSnapshot['items'];
  total_cents: string;
  history: OrderSnapshot['history'];
  idempotency_key: string;
  request_hash: string;
  created_at: Date;
}

function fromRow(row: OrderRow): OrderSnapshot {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    reason: row.reason,
    items: row.items,
    totalCents: Number(row.total_cents),
    history: row.history,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    createdAt: row.created_at.toISOString(),
  };
}

function fromEntity(e: OrderEntity): OrderSnapshot {
  return {
    id: e.id,
    customerId: e.customerId,
    status: e.status,
    reason: e.reason,
    items: e.items,
    totalCents: e.totalCents,
    history: e.history,
    idempotencyKey: e.idempotencyKey,
    requestHash: e.requestHash,
    createdAt: e.createdAt.toISOString(),
  };
}
