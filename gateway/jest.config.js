// Each e2e file boots a whole shop (every subgraph and a gateway) on a 2-core machine: one file at
// a time by default. `npm test` here (scripts/test.mjs) runs the e2e files that only wait on Kafka
// and timers two at a time, then the latency-bound ones alone.
module.exports = { ...require('../packages/config/jest.preset.js'), maxWorkers: 1 };
