export * from './config';
export * from './teardown';
export * from './define';
export * from './run';
export * from './producer';
