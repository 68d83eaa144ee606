// Each e2e file boots a whole shop (six subgraphs and a gateway) on a 2-core machine: one file at a time.
module.exports = { ...require('../packages/config/jest.preset.js'), maxWorkers: 1 };
