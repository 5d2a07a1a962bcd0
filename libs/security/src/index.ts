export * from './acl';
export * from './authorizer';
export * from './scram';
export * from './api-keys';
export * from './principal-mapping';
