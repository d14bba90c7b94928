import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ProductView, ReservationRow, StockStore } from '../application/stock-store.port';
import type { ReservationStatus, StockLevel } from '../domain/stock';
import { ProductEntity } from './product.entity';

/** Products and reservations in Postgres (the StockStore port); every write goes through the caller's transaction manager. */
@Injectable()
export class StockRepository implements StockStore {
  constructor(private readonly dataSource: DataSource) {}

  async listProducts(): Promise<ProductView[]> {
    const rows = await this.dataSource.getRepository(ProductEntity).find({ order: { sku: 'ASC' } });
    return rows.map(view);
  }

  async findProduct(sku: string): Promise<ProductView | null> {
    const row = await this.dataSource.getRepository(ProductEntity).findOneBy({ sku });
    return row ? view(row) : null;
  }

  /**
   * Locks the products' rows in sku order (one global lock order, so two reservations never deadlock) until the
   * transaction ends: concurrent reservations of one sku queue up and can never oversell.
   */
  async lockLevels(manager: EntityManager, skus: readonly string[]): Promise<StockLevel[]> {
    const rows: { sku: string; available: number; reserved: number; sold: number }[] = await manager.query(
      `SELECT sku, available, reserved, sold FROM products WHERE sku = ANY($1) ORDER BY sku FOR UPDATE`,
      [skus],
    );
    return rows;
  }

  /** Moves `quantity` between columns of one locked product; the CHECKs refuse a negative count. */
  async move(manager: EntityManager, sku: string, quantity: number, from: 'available' | 'reserved', to: 'reserved' | 'sold' | 'available'): Promise<void> {
    const result: [unknown[], number] = await manager.query(
      `UPDATE products SET ${from} = ${from} - $2, ${to} = ${to} + $2 WHERE sku = $1 AND ${from} >= $2`,
      [sku, quantity],
    );
    if (result[1] !== 1) throw new Error(`cannot move ${quantity} of ${sku} from ${from} to ${to}`);
  }

  async lockReservation(manager: EntityManager, orderId: string): Promise<ReservationRow | null> {
    const rows: { order_id: string; status: ReservationStatus; lines: ReservationRow['lines'] }[] = await manager.query(
      `SELECT order_id, status, lines FROM reservations WHERE order_id = $1 FOR UPDATE`,
      [orderId],
    );
    return rows[0] ? { orderId: rows[0].order_id, status: rows[0].status, lines: rows[0].lines } : null;
  }

  async insertReservation(manager: EntityManager, r: ReservationRow, reason: string | null): Promise<void> {
    await manager.query(`INSERT INTO reservations (order_id, status, lines, reason) VALUES ($1, $2, $3::jsonb, $4)`, [
      r.orderId,
      r.status,
      JSON.stringify(r.lines),
      reason,
    ]);
  }

  async setReservationStatus(manager: EntityManager, orderId: string, status: ReservationStatus, reason: string | null): Promise<void> {
    await manager.query(`UPDATE reservations SET status = $2, reason = COALESCE($3, reason), updated_at = now() WHERE order_id = $1`, [orderId, status, reason]);
  }
}

function view(p: ProductEntity): ProductView {
  return { sku: p.sku, name: p.name, priceCents: p.priceCents, available: p.available, reserved: p.reserved, sold: p.sold };
}
