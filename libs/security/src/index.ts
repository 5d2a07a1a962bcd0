export * from './acl';
export * from './authorizer';
export * from './scram';
export * from './api-keys';
export * from './auth-failures';
export * from './quotas';
export * from './principal-mapping';
