/** Injection tokens of the order app. */
export const ORDER_CONFIG = Symbol('ORDER_CONFIG');
export const REDIS = Symbol('REDIS');
export const SAGA_TIMEOUT = Symbol('SAGA_TIMEOUT');
