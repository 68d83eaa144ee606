export * from './stack';
export * from './shop';
