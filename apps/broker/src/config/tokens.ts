/** Injection tokens for the plain-TypeScript objects the Nest adapters wrap. */
export const BROKER_CONFIG = Symbol('BROKER_CONFIG');
export const METADATA_STORE = Symbol('METADATA_STORE');
export const LOG_MANAGER = Symbol('LOG_MANAGER');
export const REPLICA_MANAGER = Symbol('REPLICA_MANAGER');
export const CLUSTER_STORE = Symbol('CLUSTER_STORE');
