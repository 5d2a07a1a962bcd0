export * from './types';
export * from './errors';
export * from './record-batch-header';
