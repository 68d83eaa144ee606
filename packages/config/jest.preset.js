/**
 * Jest preset shared by every workspace: ts-jest compiles TypeScript with the workspace's
 * tsconfig (decorator metadata included, which type-graphql needs).
 * Unit tests: src/**\/*.spec.ts. Integration tests: test/**\/*.int-spec.ts (real stack).
 */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: { warnOnly: false } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  setupFiles: ['reflect-metadata'],
  testTimeout: 60000,
  maxWorkers: 2,
};
