import { createThrowawayDatabase, ThrowawayDatabase } from '@shop/testing';
import { OUTBOX_ENTITIES, OUTBOX_MIGRATIONS, UnitOfWork } from '@shop/outbox';
import { StockEventsHandler } from '../application/stock-events.handler';
import { InventorySchema1764202000000 } from '../infrastructure/migrations/1764202000000-inventory-schema.migration';
import { SeedProducts1764202000001 } from '../infrastructure/migrations/1764202000001-seed-products.migration';
import { PublishCatalog1764202000002 } from '../infrastructure/migrations/1764202000002-publish-catalog.migration';
import { ProductEntity, ReservationEntity } from '../infrastructure/product.entity';
import { StockRepository } from '../infrastructure/stock.repository';

export interface InventoryOnDatabase {
  db: ThrowawayDatabase;
  stock: StockRepository;
  /** The saga's real handler of order events. */
  handler: StockEventsHandler;
}

/** Inventory on a database of its own for one integration test file: owned by its role (inventory_svc), migrated. */
export async function inventoryOnThrowawayDatabase(prefix: string): Promise<InventoryOnDatabase> {
  const db = await createThrowawayDatabase({
    prefix,
    owner: { role: 'inventory_svc', password: 'inventory_pw' },
    entities: [ProductEntity, ReservationEntity, ...OUTBOX_ENTITIES],
    migrations: [...OUTBOX_MIGRATIONS, InventorySchema1764202000000, SeedProducts1764202000001, PublishCatalog1764202000002],
  });
  const stock = new StockRepository(db.dataSource);
  const handler = new StockEventsHandler(stock, new UnitOfWork(db.dataSource, { serviceName: 'inventory' }));
  return { db, stock, handler };
}
