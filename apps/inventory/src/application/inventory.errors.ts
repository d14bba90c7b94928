import { NotFound } from '@shop/common';

/** What the catalog refuses, in the application's words; the status comes from libs/common's one table. */

export class ProductNotFound extends NotFound {
  constructor(sku: string) {
    // A path parameter can be long: the answer names only its start.
    super('product_not_found', `no product ${sku.slice(0, 64)}`);
  }
}
