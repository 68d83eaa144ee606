export * from './contracts';
export * from './envelope';
export * from './kafka';
export * from './postgres-outbox';
export * from './mongo-outbox';
export * from './document-locks';
export * from './backoff';
export * from './trace-propagation';
