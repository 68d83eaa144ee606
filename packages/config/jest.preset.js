/**
 * Jest preset shared by every workspace: ts-jest transpiles TypeScript file by file
 * (tsconfig.jest.json: the base options with isolatedModules, so no type-checking program per
 * worker; decorator metadata is still emitted, which type-graphql needs). Types are checked by
 * `tsc` in `npm run build` (src) and `npm run typecheck` (src and tests).
 * Unit tests: src/**\/*.spec.ts. Integration tests: test/**\/*.int-spec.ts (real stack).
 */
const TEST_MATCH = ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'];

/**
 * Test files that assert a tight latency bound (a hung store answered within its deadline, a
 * breaker failing fast in 50 ms): the root `npm test` runs them in its last phase, with nothing
 * else on the machine (SG_TEST_GROUP=alone), and leaves them out of the busy phase
 * (SG_TEST_GROUP=shared). Without SG_TEST_GROUP every file runs, as usual.
 */
const ALONE = ['test/hung-stores.int-spec.ts', 'test/hung-redis.int-spec.ts', 'payments/test/http-provider.int-spec.ts', 'payments/test/breaker.int-spec.ts'];
const group = process.env.SG_TEST_GROUP;
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const grouping =
  group === 'shared'
    ? { testMatch: TEST_MATCH, testPathIgnorePatterns: ['/node_modules/', ...ALONE.map((f) => `/${escape(f)}$`)] }
    : group === 'alone'
      ? { testMatch: ALONE.map((f) => `**/${f}`), passWithNoTests: true }
      : { testMatch: TEST_MATCH };

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: require.resolve('./tsconfig.jest.json') }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  ...grouping,
  setupFiles: ['reflect-metadata'],
  testTimeout: 60000,
  maxWorkers: 2,
};
