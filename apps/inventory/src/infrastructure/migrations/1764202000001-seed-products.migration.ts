import { MigrationInterface, QueryRunner } from 'typeorm';

/** Demo data: 20 products with stock and prices, so the shop works right after start. */
export const DEMO_PRODUCTS: readonly { sku: string; name: string; priceCents: number; stock: number }[] = [
  { sku: 'SKU-0001', name: 'Mechanical keyboard', priceCents: 8900, stock: 1000 },
  { sku: 'SKU-0002', name: 'Wireless mouse', priceCents: 2900, stock: 1000 },
  { sku: 'SKU-0003', name: 'USB-C hub', priceCents: 3500, stock: 1000 },
  { sku: 'SKU-0004', name: '27-inch monitor', priceCents: 24900, stock: 500 },
  { sku: 'SKU-0005', name: 'Laptop stand', priceCents: 3900, stock: 1000 },
  { sku: 'SKU-0006', name: 'Noise-cancelling headphones', priceCents: 19900, stock: 500 },
  { sku: 'SKU-0007', name: 'Webcam', priceCents: 5900, stock: 1000 },
  { sku: 'SKU-0008', name: 'Desk lamp', priceCents: 2500, stock: 1000 },
  { sku: 'SKU-0009', name: 'Ergonomic chair', priceCents: 29900, stock: 200 },
  { sku: 'SKU-0010', name: 'Standing desk', priceCents: 49900, stock: 100 },
  { sku: 'SKU-0011', name: 'Notebook', priceCents: 499, stock: 5000 },
  { sku: 'SKU-0012', name: 'Gel pens (10)', priceCents: 799, stock: 5000 },
  { sku: 'SKU-0013', name: 'Coffee mug', priceCents: 1299, stock: 2000 },
  { sku: 'SKU-0014', name: 'Water bottle', priceCents: 1599, stock: 2000 },
  { sku: 'SKU-0015', name: 'Backpack', priceCents: 6900, stock: 500 },
  { sku: 'SKU-0016', name: 'Phone charger', priceCents: 1999, stock: 2000 },
  { sku: 'SKU-0017', name: 'HDMI cable', priceCents: 999, stock: 3000 },
  { sku: 'SKU-0018', name: 'Mouse pad', priceCents: 1199, stock: 2000 },
  { sku: 'SKU-0019', name: 'Limited-edition poster', priceCents: 4900, stock: 10 },
  { sku: 'SKU-0020', name: 'Signed first edition', priceCents: 15000, stock: 3 },
];

export class SeedProducts1764202000001 implements MigrationInterface {
  readonly name = 'SeedProducts1764202000001';

  async up(q: QueryRunner): Promise<void> {
    for (const p of DEMO_PRODUCTS) {
      await q.query(`INSERT INTO products (sku, name, price_cents, available) VALUES ($1, $2, $3, $4)`, [p.sku, p.name, p.priceCents, p.stock]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM products WHERE sku = ANY($1)`, [DEMO_PRODUCTS.map((p) => p.sku)]);
  }
}
