// The fault suite: one private stack (PostgreSQL, Redis, Kafka, Mongo-wire on their own ports, in a
// temp dir) per run, started by the global setup and shared by the files, which run one at a time
// because they pause and kill its servers. Each file starts its own shop of real child processes.
//
// Lanes: most of a fault file's time is spent waiting (a broker frozen past the session timeout, a
// server restarting, a saga deadline running out), with the CPU 60–80 % idle. The root `npm test`
// runs the suite as two lanes side by side (SG_FAULT_LANE=1|2), each a jest run with a private
// stack of its own on ports of its own, and the files split so the lanes take about as long.
// Without SG_FAULT_LANE every file runs, one at a time.

const preset = require('../packages/config/jest.preset.js');

const LANES = {
  1: ['process-kill', 'frozen-stores', 'tracing'],
  2: ['broker-outage-orders', 'broker-pause', 'store-restart'],
};
const lane = process.env.SG_FAULT_LANE;
if (lane && !LANES[lane]) throw new Error(`SG_FAULT_LANE=${lane}: the lanes are ${Object.keys(LANES).join(', ')}`);
// A fault file in no lane would never run in `npm test`: refuse to start instead.
const files = require('node:fs').readdirSync(require('node:path').join(__dirname, 'test')).filter((f) => f.endsWith('.fault-spec.ts')).map((f) => f.replace('.fault-spec.ts', ''));
const unassigned = files.filter((f) => !Object.values(LANES).flat().includes(f));
if (lane && unassigned.length) throw new Error(`fault files in no lane of faults/jest.config.js: ${unassigned.join(', ')}`);
process.env.SG_FAULT_SUITE ??= lane ? `fault-lane-${lane}` : 'fault';

module.exports = {
  ...preset,
  testMatch: lane ? LANES[lane].map((name) => `<rootDir>/test/${name}.fault-spec.ts`) : ['<rootDir>/test/**/*.fault-spec.ts'],
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
