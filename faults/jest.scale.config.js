// The scale suite (issue 18): replicas of the saga services and gateways on a private stack of its
// own (the fault suite's global setup: own dir and ports, falling back to free ones, so it can run
// beside the fault suite's lanes). `npx turbo run test:scale`.
process.env.SG_FAULT_SUITE ??= 'scale';
const faults = require('./jest.config.js');

module.exports = {
  ...faults,
  testMatch: ['<rootDir>/test/**/*.scale-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
};
