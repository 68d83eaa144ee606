module.exports = {
  ...require('../packages/config/jest.preset.js'),
  testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
  // no decorators here: skip the preset's reflect-metadata setup file
  setupFiles: [],
};
