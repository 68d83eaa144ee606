// The fault suite: one private stack (PostgreSQL, Redis, Kafka, Mongo-wire on their own ports, in a
// temp dir) per run, started by the global setup and shared by the files, which run one at a time
// because they pause and kill its servers. Each file starts its own shop of real child processes.
//
// Lanes: the root `npm test` runs the files in two lanes, each its own jest process with its own
// private stack (SG_FAULT_LANE=1|2; a stack never takes another's ports). Lane 1 (every file not
// listed here; a new file lands there) runs beside the workspaces' tests; lane 2 (the short files
// listed here) runs after the workspaces' tests and the scale suite, beside lane 1's tail. So at
// most three heavy things share the two cores, as with one lane: running both lanes beside the
// workspaces took the load to 40 and failed fault files on their own deadlines. Without
// SG_FAULT_LANE every file runs, one at a time.
const preset = require('../packages/config/jest.preset.js');

const LANE_2 = ['frozen-stores', 'tracing'];
const lane = process.env.SG_FAULT_LANE;
const inLane2 = LANE_2.map((name) => `<rootDir>/test/${name}.fault-spec.ts`);
const lanes =
  lane === '2'
    ? { testMatch: inLane2 }
    : lane === '1'
      ? { testMatch: ['<rootDir>/test/**/*.fault-spec.ts'], testPathIgnorePatterns: ['/node_modules/', ...LANE_2.map((name) => `/test/${name}\\.fault-spec\\.ts$`)] }
      : { testMatch: ['<rootDir>/test/**/*.fault-spec.ts'] };

module.exports = {
  ...preset,
  ...lanes,
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
