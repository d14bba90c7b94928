import { Injectable } from '@nestjs/common';
import type { UnitOfWorkContext } from '@shop/outbox';
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

  /**
   * Moves `quantity` between columns of one product locked by `lockLevels`, as a statement sent with the COMMIT
   * (`atCommit`): the hot products' locks are held one round trip less. The CHECKs refuse a negative count (the
   * transaction then fails as a whole), and the product exists: it was locked.
   */
  move(ctx: UnitOfWorkContext, sku: string, quantity: number, from: 'available' | 'reserved', to: 'reserved' | 'sold' | 'available'): void {
    ctx.atCommit({ sql: `UPDATE products SET ${from} = ${from} - $2, ${to} = ${to} + $2 WHERE sku = $1`, params: [sku, quantity] });
  }

  async lockReservation(manager: EntityManager, orderId: string): Promise<ReservationRow | null> {
    const rows: { order_id: string; status: ReservationStatus; lines: ReservationRow['lines'] }[] = await manager.query(
      `SELECT order_id, status, lines FROM reservations WHERE order_id = $1 FOR UPDATE`,
      [orderId],
    );
    return rows[0] ? { orderId: rows[0].order_id, status: rows[0].status, lines: rows[0].lines } : null;
  }

  /** Sent with the COMMIT (`atCommit`); a second reservation of the order is refused by the primary key. */
  insertReservation(ctx: UnitOfWorkContext, r: ReservationRow, reason: string | null): void {
    ctx.atCommit({
      sql: `INSERT INTO reservations (order_id, status, lines, reason) VALUES ($1, $2, $3::jsonb, $4)`,
      params: [r.orderId, r.status, JSON.stringify(r.lines), reason],
    });
  }

  /** Sent with the COMMIT (`atCommit`), on a reservation locked by `lockReservation`. */
  setReservationStatus(ctx: UnitOfWorkContext, orderId: string, status: ReservationStatus, reason: string | null): void {
    ctx.atCommit({ sql: `UPDATE reservations SET status = $2, reason = COALESCE($3, reason), updated_at = now() WHERE order_id = $1`, params: [orderId, status, reason] });
  }
}

function view(p: ProductEntity): ProductView {
  return { sku: p.sku, name: p.name, priceCents: p.priceCents, available: p.available, reserved: p.reserved, sold: p.sold };
}
