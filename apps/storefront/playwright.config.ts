import { defineConfig } from '@playwright/test';

// Browser tests against the real shop: one shop for the whole run (test/global-setup.ts: every
// subgraph, the payment sandbox and the gateway as child processes on the shared local stack, in
// their own namespace), the built app served by server.mjs, Debian's Chromium (no browser
// download: `node infra/stack/stack.mjs chromium` installs /usr/bin/chromium with apt).
export default defineConfig({
  testDir: 'test',
  testMatch: '*.e2e.ts',
  globalSetup: './test/global-setup.ts',
  // One shop, two cores: tests run one at a time, in file order.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  outputDir: 'test-results/artifacts',
  reporter: [['list'], ['json', { outputFile: 'test-results/report.json' }]],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: process.env.SG_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] },
    viewport: { width: 1280, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    actionTimeout: 15_000,
  },
});
