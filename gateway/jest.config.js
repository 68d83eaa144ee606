// Each e2e file boots a whole shop (every subgraph and a gateway) on a 2-core machine: one file at
// a time by default. `npm test` here (scripts/test.mjs) runs the e2e files that only wait on Kafka
// and timers two at a time, then the latency-bound ones alone; the gateway chooses its groups
// itself (SG_GATEWAY_TESTS), so the preset's SG_TEST_GROUP selection does not apply here.
module.exports = {
  ...require('../packages/config/jest.preset.js'),
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  passWithNoTests: false,
  maxWorkers: 1,
};
