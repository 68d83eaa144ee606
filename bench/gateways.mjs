#!/usr/bin/env node
// Our gateway against Hive Gateway (@graphql-hive/gateway, one worker, Hive's defaults plus an
// internal token per subgraph call) on the same supergraph and the same running subgraphs.
// Prints figures; asserts nothing.
//
//   node bench/gateways.mjs [--rounds 5] [--seconds 5] [--concurrency 20] [--sequential 1000]
//                           [--only listing,page,me] [--record] [--gateway-env env.json]
//                           [--service-env '{"products":{"CATALOG_CACHE_TTL_SECONDS":"0"}}']
//
// Subgraphs: those of `npm start` when a gateway answers at --url (default
// http://localhost:4000/graphql); otherwise the bench starts its own shop on the shared local stack
// (every subgraph as a child process in a namespace of its own, demo data seeded: the fault
// workspace's harness, as bench/storefront.mjs does) and stops it at the end. With --gateway-env,
// the subgraphs a gateway with that environment (JSON: *_SUBGRAPH_URL, SG_NAMESPACE, …) would use.
// Gateways: both started here as child processes on free ports, one process each, logging errors
// only — ours from gateway/dist (its defaults, except RATE_LIMIT_ENABLED=false: one client at
// hundreds of requests per second would be refused, and Hive limits nothing by default; and a
// generous SUBGRAPH_TIMEOUT_MS), Hive from bench/hive (installed there on first use with
// `npm ci --ignore-scripts`; bench/hive/gateway.config.mjs) on a copy of the supergraph whose
// subgraph URLs are the running ones.
// Queries: `listing` (20 products, newest first, with price, stock and rating: products, inventory,
// reviews), `page` (the manifest's ProductPage: four subgraphs), `me` (`{ me { id } }` anonymous:
// one users call). Each round runs each query on both gateways for --seconds at --concurrency,
// the gateway order alternating between rounds; figures are medians over rounds, and ratios are
// ours / Hive's per round, then the median. Then sequential latency of `me`: each gateway and
// straight to the users subgraph (with an internal token), interleaved in rounds.
// CPU ms/request: the gateway process's own CPU time (utime + stime) during the run / requests —
// the figure least moved by other work on the machine.
// --record appends the run to the "Throughput (issue 10)" section of bench/RESULTS.md.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { args, freePort, recordInResults, root } from './lib.mjs';

const require = createRequire(path.join(root, 'gateway', 'package.json'));
const rounds = Number(args.rounds ?? 5);
const seconds = Number(args.seconds ?? 5);
const concurrency = Number(args.concurrency ?? 20);
const sequentialN = Number(args.sequential ?? 1000);
const record = process.argv.includes('--record');
const npmStartUrl = args.url ?? 'http://localhost:4000/graphql';
const only = args.only ? String(args.only).split(',') : null;

const QUERIES = {
  listing: {
    label: 'product listing (20 products)',
    body: '{ products(first: 20, sort: NEWEST) { totalCount edges { node { id name price { formatted } inStock rating { average count } } } } }',
  },
  page: {
    label: 'product page (4 subgraphs)',
    body: JSON.parse(readFileSync(path.join(root, 'gateway/trusted-documents.json'), 'utf8')).operations.find((o) => o.name === 'ProductPage').body,
  },
  me: { label: 'cheap { me { id } }', body: '{ me { id } }' },
};
const queryNames = Object.keys(QUERIES).filter((q) => !only || only.includes(q));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];


// ── HTTP client: node:http with keep-alive (lighter than fetch, so the load generator steals less CPU) ──
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function post(url, body, headers = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
/** post(), once more on a reset keep-alive socket (a server closed it idle just as it was reused). */
const send = (url, body, headers) =>
  post(url, body, headers).catch((error) => (error.code === 'ECONNRESET' ? post(url, body, headers) : Promise.reject(error)));
const failed = (res) => res.status !== 200 || res.text.includes('"errors"');

// ── processes: RSS and CPU of a process tree ──
function treePids(pid) {
  const pids = [pid];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(/\s+/) : []) pids.push(...treePids(Number(k)));
    }
  } catch {
    // gone, or no /proc
  }
  return pids;
}
const ticksPerSecond = 100;
function cpuMs(pid) {
  let ticks = 0;
  for (const p of treePids(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return (ticks * 1000) / ticksPerSecond;
}
function rssMb(pid) {
  let kb = 0;
  for (const p of treePids(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

async function waitFor(what, child, check, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (child && child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs / 1000} s`);
    await sleep(300);
  }
}

// ── the subgraphs ──
function stackEnv() {
  return Object.fromEntries(
    execFileSync(process.execPath, [path.join(root, 'infra/stack/stack.mjs'), 'env'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(l.trim()))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
}

const supergraphPath = path.join(root, 'schema/supergraph.graphql');
const supergraphUrls = () =>
  Object.fromEntries([...readFileSync(supergraphPath, 'utf8').matchAll(/@join__graph\(name: "([a-z]+)", url: "([^"]+)"\)/g)].map((m) => [m[1], m[2]]));

/** { env (for a gateway of ours), urls (subgraph name -> URL), mode, stop() } */
async function subgraphs() {
  if (args['gateway-env']) {
    const env = JSON.parse(readFileSync(args['gateway-env'], 'utf8'));
    const urls = { ...supergraphUrls() };
    for (const [key, value] of Object.entries(env)) {
      const m = /^([A-Z]+)_SUBGRAPH_URL$/.exec(key);
      if (m && value) urls[m[1].toLowerCase()] = value;
    }
    return { mode: `subgraphs of ${path.basename(args['gateway-env'])}`, env, urls, stop: async () => {} };
  }
  const npmStart = await post(npmStartUrl, JSON.stringify({ query: '{ __typename }' }))
    .then((r) => r.status === 200)
    .catch(() => false);
  if (npmStart) {
    console.log(`[bench] using the subgraphs of the running shop (a gateway answers at ${npmStartUrl})`);
    return { mode: '`npm start` subgraphs', env: stackEnv(), urls: supergraphUrls(), stop: async () => {} };
  }
  const { attachFaultStack, startFaultShop } = require('@shopgraph/faults');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'shopgraph-bench-gateways-'));
  writeFileSync(path.join(dataDir, 'shop-counter'), '12');
  const slow = { MONGO_SERVER_SELECTION_TIMEOUT_MS: '15000', MONGO_CONNECT_TIMEOUT_MS: '15000', PG_CONNECT_TIMEOUT_MS: '10000' };
  const names = Object.keys(supergraphUrls());
  // --service-env '{"products":{"CATALOG_CACHE_TTL_SECONDS":"0"}}': more environment for services of the own shop (an A/B of a setting).
  const extra = args['service-env'] ? JSON.parse(args['service-env']) : {};
  const options = { logLevel: 'warn', env: Object.fromEntries(names.map((s) => [s, { ...slow, ...(extra[s] ?? {}) }])) };
  console.log('[bench] no gateway answers there: starting a shop of our own on the shared stack (every subgraph, demo data)…');
  const stack = attachFaultStack({ dataDir, servers: [], ports: {}, portEnv: {}, env: stackEnv(), keep: true });
  const shop = await startFaultShop(stack, options).catch((error) => {
    console.warn(`[bench] the shop did not start (${error.message.split('\n')[0]}); trying once more`);
    return startFaultShop(stack, options);
  });
  // Its own gateway idles meanwhile; ours and Hive's are started below.
  await shop.services.gateway.stop();
  const env = shop.services.gateway.env;
  const urls = { ...supergraphUrls() };
  for (const [key, value] of Object.entries(env)) {
    const m = /^([A-Z]+)_SUBGRAPH_URL$/.exec(key);
    if (m && value) urls[m[1].toLowerCase()] = value;
  }
  return {
    mode: `own shop ${shop.id} on the shared stack`,
    env,
    urls,
    stop: async () => {
      await shop.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ── the two gateways ──
async function startOurs(baseEnv) {
  const [port, adminPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [...(args['ours-node-args'] ? String(args['ours-node-args']).split(' ') : []), path.join(root, 'gateway/dist/index.js')], {
    cwd: path.join(root, 'gateway'),
    env: {
      ...process.env,
      ...baseEnv,
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      RATE_LIMIT_ENABLED: 'false',
      SUBGRAPH_TIMEOUT_MS: '20000',
      KAFKA_GROUP_ID: '',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor('our gateway', child, async () => (await fetch(`http://127.0.0.1:${adminPort}/health/ready`)).ok);
  return { name: 'ours', child, url: `http://127.0.0.1:${port}/graphql` };
}

const hiveDir = path.join(root, 'bench/hive');
function ensureHive() {
  const lock = readFileSync(path.join(hiveDir, 'package-lock.json'));
  const marker = path.join(hiveDir, 'node_modules/.bench-lock');
  const digest = createHash('sha256').update(lock).digest('hex');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === digest) return;
  console.log('[bench] installing Hive Gateway into bench/hive (npm ci --ignore-scripts; once)…');
  const res = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: hiveDir, stdio: 'inherit' });
  if (res.status !== 0) throw new Error('npm ci in bench/hive failed');
  writeFileSync(marker, digest);
}

async function startHive(baseEnv, urls, tmp) {
  ensureHive();
  // The same supergraph, pointing at the running subgraphs.
  const sdl = readFileSync(supergraphPath, 'utf8').replace(/@join__graph\(name: "([a-z]+)", url: "([^"]+)"\)/g, (all, name, url) => `@join__graph(name: "${name}", url: "${urls[name] ?? url}")`);
  const file = path.join(tmp, 'supergraph.graphql');
  writeFileSync(file, sdl);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...(args['hive-node-args'] ? String(args['hive-node-args']).split(' ') : []),
      path.join(hiveDir, 'node_modules/@graphql-hive/gateway/dist/bin.js'),
      'supergraph',
      file,
      '--config-path',
      path.join(hiveDir, 'gateway.config.mjs'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--fork',
      '1',
    ],
    {
      cwd: hiveDir,
      env: { ...process.env, INTERNAL_TOKEN_PRIVATE_KEY: baseEnv.INTERNAL_TOKEN_PRIVATE_KEY ?? '', NODE_ENV: 'development' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitFor('Hive Gateway', child, async () => (await post(url, JSON.stringify({ query: '{ __typename }' }))).status === 200);
  return { name: 'hive', child, url };
}

// ── measuring ──
/** Requests at `concurrency` for `duration` s: RPS, p50/p99 (ms), failed answers, CPU ms per request, RSS after. */
async function load(gw, body, duration, conc = concurrency) {
  const latencies = [];
  let errors = 0;
  let firstError = null;
  const cpu0 = cpuMs(gw.child.pid);
  const t0 = performance.now();
  const end = t0 + duration * 1000;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        const res = await send(gw.url, body).catch((error) => ({ status: 0, text: String(error) }));
        latencies.push(performance.now() - s);
        if (failed(res)) {
          errors++;
          firstError ??= res.text.slice(0, 300);
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuMs(gw.child.pid) - cpu0;
  latencies.sort((a, b) => a - b);
  if (firstError) console.error(`[bench] ${gw.name}: ${errors} failed answers, first: ${firstError}`);
  return { rps: latencies.length / elapsed, p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), errors, cpuPerReq: cpu / latencies.length, rss: rssMb(gw.child.pid) };
}

async function sequential(url, body, n, headers) {
  const latencies = [];
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    const res = await send(url, body, headers).catch((error) => ({ status: 0, text: String(error) }));
    latencies.push(performance.now() - s);
    if (failed(res) && errors++ === 0) console.error(`[bench] sequential ${url}: ${res.text.slice(0, 300)}`);
  }
  latencies.sort((a, b) => a - b);
  return { p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), errors };
}

// ── main ──
const lines = [];
const out = (line = '') => {
  console.log(line);
  lines.push(line);
};

const shop = await subgraphs();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'shopgraph-bench-gw-'));
let gateways = [];
try {
  gateways = [await startOurs(shop.env), await startHive(shop.env, shop.urls, tmp)];
  const [ours, hive] = gateways;
  console.log(`[bench] ours at ${ours.url} (pid ${ours.child.pid}), Hive Gateway at ${hive.url} (pid ${hive.child.pid})`);

  // A product to show, and the same answers from both gateways.
  const first = JSON.parse((await post(ours.url, JSON.stringify({ query: '{ products(first: 1, sort: NEWEST) { edges { node { slug } } } }' }))).text);
  const slug = first.data?.products?.edges?.[0]?.node?.slug;
  if (!slug) throw new Error(`no products in the shop: ${JSON.stringify(first).slice(0, 300)}`);
  const bodies = Object.fromEntries(queryNames.map((q) => [q, JSON.stringify({ query: QUERIES[q].body, variables: q === 'page' ? { slug } : {} })]));
  for (const q of queryNames) {
    const [a, b] = await Promise.all(gateways.map((g) => post(g.url, bodies[q])));
    if (failed(a) || failed(b)) throw new Error(`${q}: ours ${a.text.slice(0, 300)} / hive ${b.text.slice(0, 300)}`);
    if (JSON.stringify(JSON.parse(a.text).data) !== JSON.stringify(JSON.parse(b.text).data)) console.warn(`[bench] ${q}: the gateways' answers differ`);
  }

  const startedAt = new Date();
  const load0 = os.loadavg()[0];
  for (const q of queryNames) for (const g of gateways) await load(g, bodies[q], 2); // warm-up
  const figures = Object.fromEntries(queryNames.flatMap((q) => gateways.map((g) => [`${q}/${g.name}`, []])));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [hive, ours] : [ours, hive];
    for (const q of queryNames) for (const g of order) figures[`${q}/${g.name}`].push(await load(g, bodies[q], seconds));
    console.log(`[bench] round ${r + 1}/${rounds} done, load average ${os.loadavg()[0].toFixed(1)}`);
  }

  // Sequential `me`: ours, Hive, straight to users (internal token as the gateway sends it).
  const { signInternalToken, INTERNAL_TOKEN_HEADER, DEV_INTERNAL_TOKEN_PRIVATE_KEY } = require('@shopgraph/kit');
  const key = shop.env.INTERNAL_TOKEN_PRIVATE_KEY || DEV_INTERNAL_TOKEN_PRIVATE_KEY;
  const seq = { ours: [], hive: [], direct: [] };
  const seqRounds = 5;
  const meBody = JSON.stringify({ query: QUERIES.me.body });
  const direct = { url: shop.urls.users };
  for (let r = 0; r < seqRounds; r++) {
    const token = await signInternalToken(key, 'users', null, 120);
    const targets = [
      ['ours', ours.url, {}],
      ['hive', hive.url, {}],
      ['direct', direct.url, { [INTERNAL_TOKEN_HEADER]: token }],
    ];
    for (let i = 0; i < targets.length; i++) {
      const [name, url, headers] = targets[(i + r) % targets.length];
      seq[name].push(await sequential(url, meBody, Math.ceil(sequentialN / seqRounds), headers));
    }
  }
  const load1 = os.loadavg()[0];

  // ── the table ──
  const cores = os.cpus().length;
  const mem = `${Math.round(os.totalmem() / 2 ** 30)} GB`;
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'gateway/src', 'packages/kit/src', 'bench'], { cwd: root, encoding: 'utf8' }).trim() ? '+uncommitted' : '';
  out(
    `${rounds} rounds × ${seconds} s per query and gateway at -c ${concurrency} (order alternating), medians over rounds; ${shop.mode}; load average ${load0.toFixed(1)} → ${load1.toFixed(1)} on ${cores} cores`,
  );
  out('');
  out('| query | gateway | RPS | p50 ms | p99 ms | errors | CPU ms/req | RSS MB | ours/Hive RPS | ours/Hive CPU per req |');
  out('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const q of queryNames) {
    const a = figures[`${q}/ours`];
    const b = figures[`${q}/hive`];
    const rpsRatio = median(a.map((x, i) => x.rps / b[i].rps));
    const cpuRatio = median(a.map((x, i) => x.cpuPerReq / b[i].cpuPerReq));
    for (const [name, f] of [
      ['ours', a],
      ['Hive', b],
    ]) {
      out(
        `| ${name === 'ours' ? QUERIES[q].label : ''} | ${name} | ${median(f.map((x) => x.rps)).toFixed(0)} | ${median(f.map((x) => x.p50)).toFixed(1)} | ${median(f.map((x) => x.p99)).toFixed(1)} | ${f.reduce((n, x) => n + x.errors, 0)} | ${median(f.map((x) => x.cpuPerReq)).toFixed(2)} | ${Math.max(...f.map((x) => x.rss)).toFixed(0)} | ${name === 'ours' ? `${rpsRatio.toFixed(2)}×` : ''} | ${name === 'ours' ? `${cpuRatio.toFixed(2)}×` : ''} |`,
      );
    }
  }
  out('');
  const sp = (name) => median(seq[name].map((x) => x.p50));
  const se = (name) => seq[name].reduce((n, x) => n + x.errors, 0);
  out(`sequential \`{ me { id } }\`, ${seqRounds} interleaved rounds of ${Math.ceil(sequentialN / seqRounds)}, median of the rounds' p50 (errors):`);
  out(
    `ours ${sp('ours').toFixed(2)} ms (${se('ours')}), Hive ${sp('hive').toFixed(2)} ms (${se('hive')}), straight to users ${sp('direct').toFixed(2)} ms (${se('direct')}); ours/direct ${(sp('ours') / sp('direct')).toFixed(2)}×, Hive/direct ${(sp('hive') / sp('direct')).toFixed(2)}×`,
  );

  if (record) {
    const section = '## Throughput (issue 10)';
    const block = [
      '',
      `### Gateways: ours vs Hive Gateway — ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit}${dirty}`,
      '',
      `**Command:** \`node bench/gateways.mjs ${process.argv.slice(2).join(' ')}\`. **Machine:** ${cores} cores (${os.cpus()[0]?.model.trim()}), ${mem}, Node ${process.version}.`,
      '',
      ...lines,
      '',
    ].join('\n');
    recordInResults(section, block);
    console.log('[bench] recorded in bench/RESULTS.md');
  }
} finally {
  for (const g of gateways) g.child.kill('SIGTERM');
  await Promise.all(gateways.map((g) => (g.child.exitCode === null ? new Promise((r) => g.child.once('exit', r)) : null)));
  await shop.stop();
  rmSync(tmp, { recursive: true, force: true });
  agent.destroy();
}
