// The gateway's `npm test` (what `turbo run test` runs here). Each e2e file boots a whole shop,
// and most of a file's time is spent waiting on Kafka, timers and the saga, not on the CPU: those
// files run two at a time. The files that assert a latency bound (a subgraph deadline, a refusal
// within 1 s, a saga that fails fast while another shop hammers the same two cores) run after
// them, one at a time, as before. Arguments are passed to jest; with a jest --outputFile, the two
// runs' JSON reports are merged into that file. The root `npm test` runs the groups in two of its
// phases instead (SG_GATEWAY_TESTS=shared|alone).
//
// With a test path of your own (`npm test -- test/saga`), this is plain jest, one file at a time.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const jest = path.join(here, 'node_modules', '.bin', 'jest');
const jestBin = existsSync(jest) ? jest : path.join(here, '..', 'node_modules', '.bin', 'jest');

/**
 * Files whose assertions include a latency bound, or count store queries against background work
 * (catalog's N+1 guard): never run next to another shop.
 */
export const SOLO = ['partial-failure', 'saga', 'edge', 'edge-sockets', 'auth-limits', 'catalog'].map((n) => `test/${n}\\.e2e-spec\\.ts$`);

const args = process.argv.slice(2);
const own = args.filter((a) => !a.startsWith('-'));
const outputArg = args.find((a) => a.startsWith('--outputFile='));
const passThrough = args.filter((a) => a !== outputArg);

function run(extra, outputFile) {
  const res = spawnSync(jestBin, [...passThrough, ...extra, ...(outputFile ? [`--outputFile=${outputFile}`] : [])], { cwd: here, stdio: 'inherit' });
  return res.status ?? 1;
}

if (own.length > 0) process.exit(run([], outputArg?.slice('--outputFile='.length)));

const PARALLEL = ['--maxWorkers=2', '--passWithNoTests', `--testPathIgnorePatterns=${SOLO.join('|')}`, '--testPathIgnorePatterns=/node_modules/'];
const ALONE = ['--maxWorkers=1', '--passWithNoTests', SOLO.join('|')];
// The root `npm test` runs the two groups in different phases: `shared` beside the other
// workspaces and the fault suite, `alone` at the end with nothing else running.
const group = process.env.SG_GATEWAY_TESTS;
if (group === 'shared') process.exit(run(PARALLEL, outputArg?.slice('--outputFile='.length)));
if (group === 'alone') process.exit(run(ALONE, outputArg?.slice('--outputFile='.length)));

const output = outputArg ? path.resolve(here, outputArg.slice('--outputFile='.length)) : null;
const parts = output ? [`${output}.parallel`, `${output}.solo`] : [null, null];
const started = Date.now();
const parallel = run(PARALLEL, parts[0]);
const solo = run(ALONE, parts[1]);
console.log(`[gateway tests] two at a time, then ${SOLO.length} latency-bound files one at a time: ${((Date.now() - started) / 1000).toFixed(0)} s`);

if (output) {
  const reports = parts.filter((p) => existsSync(p)).map((p) => JSON.parse(readFileSync(p, 'utf8')));
  const sum = (key) => reports.reduce((n, r) => n + (r[key] ?? 0), 0);
  const merged = {
    ...reports[0],
    success: reports.every((r) => r.success),
    startTime: Math.min(...reports.map((r) => r.startTime)),
    testResults: reports.flatMap((r) => r.testResults ?? []),
  };
  for (const key of Object.keys(reports[0] ?? {})) if (key.startsWith('num')) merged[key] = sum(key);
  writeFileSync(output, JSON.stringify(merged));
  for (const p of parts) rmSync(p, { force: true });
}
process.exit(parallel || solo);
