// The fault suite: one private stack (PostgreSQL, Redis, Kafka, Mongo-wire on their own ports, in a
// temp dir) per run, started by the global setup and shared by the files, which run one at a time
// because they pause and kill its servers. Each file starts its own shop of real child processes.

const preset = require('../packages/config/jest.preset.js');

module.exports = {
  ...preset,
  testMatch: ['<rootDir>/test/**/*.fault-spec.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  maxWorkers: 1,
  testTimeout: 300_000,
  slowTestThreshold: 60,
  // Every file runs in this one process: a client one file leaves open would keep the run alive
  // after the teardown (which has stopped every child and server). The teardown lists what was
  // left open (SG_FAULT_VERBOSE=1) so its owner can close it; the run ends regardless.
  forceExit: true,
};
