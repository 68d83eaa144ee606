// Tracing overhead (issue 11): one subgraph process (products, the catalog) started with the
// kit's tracing preload, tracing OFF (no OTEL endpoint: the default) and ON (100 % sampling, OTLP
// to a receiver in this script that accepts and drops spans), alternating rounds. Per round:
//   idle  — CPU seconds the process uses over 10 s of idleness (/proc/<pid>/stat utime+stime),
//   load  — a catalog query (`products(first: 20)` with names, prices, variants) at concurrency 4
//           for --seconds, as the gateway would send it (internal token): req/s and latency.
// Runs on the shared local stack in its own namespace and Mongo database (dropped afterwards).
//   node bench/tracing.mjs [--rounds 3] [--seconds 10]
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { args, root } from './lib.mjs';

const require = createRequire(path.join(root, 'packages', 'kit', 'package.json'));
const kit = require(path.join(root, 'packages', 'kit', 'dist', 'index.js'));
const { MongoClient } = createRequire(path.join(root, 'subgraphs', 'products', 'package.json'))('mongodb');

const ROUNDS = Number(args.rounds ?? 3);
const SECONDS = Number(args.seconds ?? 10);
const IDLE_SECONDS = 10;
const PORT = 44802;
const ns = `bench${Date.now().toString(36)}`;
const stackEnv = Object.fromEntries(
  spawnSync(process.execPath, ['infra/stack/stack.mjs', 'env'], { cwd: root, encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// OTLP/HTTP receiver that counts and drops what it gets.
let spansReceived = 0;
const receiver = http.createServer((req, res) => {
  let n = 0;
  req.on('data', (c) => (n += c.length));
  req.on('end', () => {
    spansReceived += n > 0 ? 1 : 0;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const otlp = `http://127.0.0.1:${receiver.address().port}`;

const baseEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...stackEnv,
  SG_NAMESPACE: ns,
  MONGO_DB: `${ns}_products`,
  PORT: String(PORT),
  LOG_LEVEL: 'warn',
  NODE_ENV: 'development',
};
const cwd = path.join(root, 'subgraphs', 'products');
const seed = spawnSync(process.execPath, ['dist/seed.js'], { cwd, env: baseEnv, encoding: 'utf8' });
if (seed.status !== 0) throw new Error(`seed failed: ${seed.stderr}`);

async function startProducts(tracing) {
  const env = { ...baseEnv, ...(tracing ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlp, OTEL_TRACES_SAMPLER: 'parentbased_always_on' } : {}) };
  const child = spawn(process.execPath, ['--require', '@shopgraph/kit/dist/tracing-preload.js', 'dist/index.js'], { cwd, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${PORT}/health/ready`);
      if (r.ok) return child;
    } catch {
      // not yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('products did not start');
    await sleep(250);
  }
}

const cpuSeconds = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks of 1/100 s
};

const QUERY = `query Catalog { products(first: 20) { edges { node { id name price { amount currency } variants { sku } } } } }`;
async function load(token) {
  const latencies = [];
  const end = Date.now() + SECONDS * 1000;
  let errors = 0;
  const worker = async () => {
    while (Date.now() < end) {
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${PORT}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [kit.INTERNAL_TOKEN_HEADER]: token },
        body: JSON.stringify({ query: QUERY }),
      });
      const body = await res.json();
      if (!res.ok || body.errors) errors++;
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / SECONDS, p50: latencies[Math.floor(latencies.length / 2)], p95: latencies[Math.floor(latencies.length * 0.95)], errors };
}

const results = { off: [], on: [] };
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of round % 2 ? ['off', 'on'] : ['on', 'off']) {
      const child = await startProducts(variant === 'on');
      await sleep(5000); // start-up settles
      const c0 = cpuSeconds(child.pid);
      await sleep(IDLE_SECONDS * 1000);
      const idlePct = ((cpuSeconds(child.pid) - c0) / IDLE_SECONDS) * 100;
      const token = await kit.signInternalToken(kit.DEV_INTERNAL_TOKEN_PRIVATE_KEY, 'products', null, 600);
      await load(token); // warm-up (JIT, pools), not counted
      const r = await load(token);
      results[variant].push({ idlePct, ...r });
      console.log(`round ${round} ${variant.padEnd(3)} idle CPU ${idlePct.toFixed(2)}%  catalog ${r.rps.toFixed(0)} req/s p50 ${r.p50.toFixed(1)} ms p95 ${r.p95.toFixed(1)} ms errors ${r.errors}`);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
} finally {
  receiver.close();
  const mongo = await MongoClient.connect(stackEnv.MONGO_URL);
  await mongo.db(`${ns}_products`).dropDatabase().catch(() => undefined);
  await mongo.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = (v) => ({
  idle: median(results[v].map((r) => r.idlePct)),
  rps: median(results[v].map((r) => r.rps)),
  p50: median(results[v].map((r) => r.p50)),
  p95: median(results[v].map((r) => r.p95)),
});
const off = summary('off');
const on = summary('on');
console.log(`\nmedians over ${ROUNDS} rounds (OTLP export requests received while on: ${spansReceived})`);
console.log(`variant  idle CPU  catalog req/s  p50 ms  p95 ms`);
for (const [name, s] of [['off', off], ['on', on]]) console.log(`${name.padEnd(8)} ${s.idle.toFixed(2).padStart(7)}%  ${s.rps.toFixed(0).padStart(13)}  ${s.p50.toFixed(1).padStart(6)}  ${s.p95.toFixed(1).padStart(6)}`);
console.log(`tracing on: throughput ${(((on.rps - off.rps) / off.rps) * 100).toFixed(1)}%, p50 ${(((on.p50 - off.p50) / off.p50) * 100).toFixed(1)}%`);
process.exit(0);
