/**
 * @runnel/client: the TypeScript SDK for Runnel's HTTP + WebSocket API (API.md). Plain Node 20
 * (global fetch, the `ws` package); no Nest, no Prisma.
 */
export * from './bytes';
export * from './errors';
export * from './producer';
export * from './consumer';
export * from './group-consumer';
export * from './admin';
