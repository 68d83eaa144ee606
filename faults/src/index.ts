export * from './stack';
export * from './shop';
export * from './round-robin';
export * from './books';
export * from './wait';
