export * from './filter';
export * from './json-path';
export * from './text-match';
export * from './matcher';
export * from './search-cursor';
export * from './byte-rate-limiter';
