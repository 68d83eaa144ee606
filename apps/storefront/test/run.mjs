#!/usr/bin/env node
// `npm test` of the storefront (turbo's test task): Debian's Chromium (installed with apt by the
// stack launcher when missing; never a browser download), then the Playwright suite. turbo passes
// every workspace jest's flags (`--ci --json --outputFile=.jest-results.json`): they are accepted
// here, and the Playwright JSON report is turned into jest's summary in that file so that the
// root `npm test` counts these tests with the others.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(app, '../..');
const args = process.argv.slice(2);
const outputFile = args.find((a) => a.startsWith('--outputFile='))?.slice('--outputFile='.length);
const passThrough = args.filter((a) => !['--ci', '--json'].includes(a) && !a.startsWith('--outputFile='));

const chromium = spawnSync(process.execPath, [path.join(root, 'infra/stack/stack.mjs'), 'chromium'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (chromium.status !== 0) {
  console.error('[storefront] Chromium is not available (see above)');
  process.exit(1);
}
const executable = chromium.stdout.trim().split('\n').pop();

const report = path.join(app, 'test-results/report.json');
rmSync(report, { force: true });
const res = spawnSync(path.join(root, 'node_modules/.bin/playwright'), ['test', ...passThrough], {
  cwd: app,
  stdio: 'inherit',
  env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', SG_CHROMIUM: executable },
});

if (outputFile) {
  // jest's --json summary fields that scripts/shopgraph.mjs reads.
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const testResults = [];
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    const walk = (suite, file, titles) => {
      for (const spec of suite.specs ?? []) {
        for (const t of spec.tests ?? []) {
          const status = t.status; // expected | unexpected | flaky | skipped
          if (status === 'skipped') skipped += 1;
          else if (status === 'unexpected') failed += 1;
          else passed += 1;
          const last = t.results?.[t.results.length - 1];
          file.duration += last?.duration ?? 0;
          if (status === 'unexpected') file.failed = true;
          // Why it failed, as jest's assertionResults carry it, for the root's closing summary.
          const fullName = [...titles, spec.title].join(' ');
          const failureMessages = status === 'unexpected' ? (last?.errors ?? (last?.error ? [last.error] : [])).map((e) => e.message ?? String(e)) : [];
          file.assertionResults.push({ fullName, title: spec.title, status: status === 'unexpected' ? 'failed' : status === 'skipped' ? 'pending' : 'passed', failureMessages });
        }
      }
      for (const child of suite.suites ?? []) walk(child, file, [...titles, child.title]);
    };
    for (const suite of r.suites ?? []) {
      const file = { name: path.join(app, 'test', suite.file ?? suite.title), duration: 0, failed: false, assertionResults: [] };
      walk(suite, file, []);
      const start = Date.parse(r.stats?.startTime ?? new Date().toISOString());
      testResults.push({ name: file.name, startTime: start, endTime: start + file.duration, status: file.failed ? 'failed' : 'passed', assertionResults: file.assertionResults });
    }
    // A failure outside any test (global setup) fails the run.
    if ((r.errors ?? []).length > 0 && passed + failed === 0) {
      failed += 1;
      testResults.push({ name: path.join(app, 'test'), startTime: 0, endTime: 0, status: 'failed', assertionResults: [], message: r.errors.map((e) => e.message ?? String(e)).join(' | ') });
    }
  } else if (res.status !== 0) {
    failed += 1;
  }
  writeFileSync(
    path.resolve(app, outputFile),
    JSON.stringify({ numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped, numTodoTests: 0, numRuntimeErrorTestSuites: 0, success: failed === 0 && res.status === 0, testResults }),
  );
}
process.exit(res.status ?? 1);
