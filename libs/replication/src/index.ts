export * from './partition';
export * from './replica-manager';
export * from './partition-handle';
export * from './replica-fetch';
export * from './fetch-codec';
export * from './replica-fetcher';
export * from './isr';
