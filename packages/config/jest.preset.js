/**
 * Jest preset shared by every workspace: ts-jest transpiles TypeScript file by file
 * (tsconfig.jest.json: the base options with isolatedModules, so no type-checking program per
 * worker; decorator metadata is still emitted, which type-graphql needs). Types are checked by
 * `tsc` in `npm run build` (src) and `npm run typecheck` (src and tests).
 * Unit tests: src/**\/*.spec.ts. Integration tests: test/**\/*.int-spec.ts (real stack).
 */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: require.resolve('./tsconfig.jest.json') }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  setupFiles: ['reflect-metadata'],
  testTimeout: 60000,
  maxWorkers: 2,
};
