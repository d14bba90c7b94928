/** Injection tokens of the inventory app. */
export const INVENTORY_CONFIG = Symbol('INVENTORY_CONFIG');
