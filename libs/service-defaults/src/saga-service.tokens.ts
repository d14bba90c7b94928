/** The service's SagaServiceConfig (with its extras), provided by SagaServiceModule to the whole app. */
export const SAGA_SERVICE_CONFIG = Symbol('SAGA_SERVICE_CONFIG');
