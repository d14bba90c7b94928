/**
 * Shapes of the gateway's public API that more than one side reads (the contract: docs/architecture.md, "Gateway:
 * the public API"): inventory answers them, the browser app and the tests read them.
 */

/** `GET /api/products` and `GET /api/products/<sku>`. */
export interface ProductView {
  sku: string;
  name: string;
  priceCents: number;
  available: number;
  reserved: number;
  sold: number;
}
