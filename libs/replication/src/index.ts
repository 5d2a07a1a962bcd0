export * from './partition';
export * from './replica-manager';
