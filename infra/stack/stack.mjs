#!/usr/bin/env node
// Shopgraph local stack: PostgreSQL, Redis, Apache Kafka (KRaft) and a MongoDB-wire server
// (mongod if installed, otherwise FerretDB v1 on SQLite) as plain background processes on
// 127.0.0.1. No npm dependencies: it runs before `npm install`.
//
//   node infra/stack/stack.mjs up [svc...]     start what is not running (idempotent)
//   node infra/stack/stack.mjs down [--purge]  stop what we started (--purge: delete data dir)
//   node infra/stack/stack.mjs status          one line per service
//   node infra/stack/stack.mjs env             connection settings as KEY=VALUE
//   node infra/stack/stack.mjs describe        servers, their port/setting variables and resolved ports as JSON
//   node infra/stack/stack.mjs prepare svc...  build/download what a server needs, start nothing (jaeger)
//
// As a module: import { up, down, status, stackEnv } from '../infra/stack/stack.mjs'.
// This file is the CLI and the supervision (start in parallel, pid files, stop); each server is a
// module of servers/ listed in servers/index.mjs, the shared helpers are in core.mjs.
// See infra/README.md.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  StackError,
  alive,
  fail,
  makeLog,
  portInUse,
  readPid,
  removePid,
  resolveConfig,
  secs,
  stopPid,
  waitFor,
  withLock,
} from './core.mjs';
import { SERVERS } from './servers/index.mjs';

export { KAFKA_VERSION } from './servers/kafka.mjs';
export { FERRETDB_VERSION } from './servers/mongo.mjs';
export { StackError };

const DEFS = Object.fromEntries(SERVERS.map((s) => [s.name, s]));
const NAMES = SERVERS.map((s) => s.name);

/** Resolved settings (ports, dirs) for the given env (defaults to process.env). */
export function stackConfig(opts = {}) {
  return resolveConfig(SERVERS, opts);
}

/** Connection settings for the apps, as an object of KEY -> VALUE. */
export function stackEnv(opts = {}) {
  const c = opts.ports ? opts : stackConfig(opts);
  return Object.assign({}, ...SERVERS.map((s) => s.env(c)));
}

/** The main port of a server (the one it is probed on). */
const mainPort = (cfg, def) => cfg.ports[def.ports[0].key];
/** Our process for svc if its pid file points at a live process of the right kind. */
function ourPid(cfg, def) {
  const pid = readPid(cfg, def.name);
  return alive(pid, def.cmdline) ? pid : null;
}

/** Optional servers (e.g. jaeger) `up` starts without being named: SG_WITH=jaeger,… */
const optedIn = (env = process.env) => new Set((env.SG_WITH ?? '').split(',').map((s) => s.trim()).filter(Boolean));

function pickServices(list, { forUp = false } = {}) {
  if (!list || list.length === 0) return forUp ? NAMES.filter((n) => !DEFS[n].optional || optedIn().has(n)) : NAMES;
  const bad = list.filter((s) => !NAMES.includes(s));
  if (bad.length) throw new StackError(`unknown service(s): ${bad.join(', ')} (known: ${NAMES.join(', ')})`);
  return NAMES.filter((s) => list.includes(s));
}

// ---- commands -------------------------------------------------------------------------------
/**
 * Start whatever is not running yet; leaves running ones alone. Resolves with
 * { env, services: { name: { state: 'started'|'running'|'external', pid, port, seconds } } }.
 * Rejects (StackError) if a service cannot be brought up; the message names the log file.
 */
export async function up(opts = {}) {
  const cfg = stackConfig(opts);
  const log = makeLog(cfg);
  const names = pickServices(opts.services, { forUp: true });
  const t0 = Date.now();
  for (const d of [cfg.dataDir, cfg.logs, cfg.pids]) fs.mkdirSync(d, { recursive: true });
  const result = await withLock(cfg, async () => {
    const results = {};
    const settled = await Promise.allSettled(
      names.map(async (name) => {
        const def = DEFS[name];
        const ts = Date.now();
        const port = mainPort(cfg, def);
        const logFile = path.join(cfg.logs, `${name}.log`);
        const ctx = { log, logFile };
        let state;
        let pid = ourPid(cfg, def);
        if (pid) {
          const ok = (await def.probe(cfg)) || (await waitFor(() => def.probe(cfg), { timeoutMs: 60_000, exited: () => !alive(pid, def.cmdline) }));
          if (!ok) throw fail(name, `our process (pid ${pid}) is running but does not answer on 127.0.0.1:${port}; try \`down\` then \`up\``, logFile);
          state = 'running';
        } else {
          removePid(cfg, name);
          if (await def.probe(cfg)) {
            state = 'external';
            pid = null;
          } else if (await portInUse(port)) {
            throw new StackError(`${name}: ${await def.portBusyMessage(cfg)}`);
          } else {
            try {
              ({ pid } = await def.start(cfg, ctx));
            } catch (e) {
              // do not leave a half-started server behind a pid file we cannot trust
              const p = readPid(cfg, name);
              if (p && alive(p, def.cmdline)) await stopPid(p, def.cmdline, def.stopSignal, 10_000);
              removePid(cfg, name);
              throw e;
            }
            state = 'started';
          }
        }
        if (def.ensure) await def.ensure(cfg, ctx);
        const seconds = (Date.now() - ts) / 1000;
        const how = state === 'started' ? 'ready' : state === 'running' ? `already running (pid ${pid})` : 'external server answering, reusing it';
        log(name, `${how} on 127.0.0.1:${port} (${seconds.toFixed(1)}s)`);
        results[name] = { state, pid, port, seconds, log: logFile };
      }),
    );
    const errors = settled.filter((s) => s.status === 'rejected').map((s) => s.reason);
    if (errors.length) {
      const msg = errors.map((e) => (e instanceof StackError ? e.message : e?.stack ?? String(e))).join('\n\n');
      const err = new StackError(`stack up failed:\n${msg}`);
      err.results = results;
      throw err;
    }
    return results;
  });
  const env = stackEnv(cfg);
  fs.writeFileSync(path.join(cfg.dataDir, 'env'), Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  if (!cfg.quiet) {
    process.stdout.write(`[stack] up in ${secs(t0)}; data ${cfg.dataDir}, env file ${path.join(cfg.dataDir, 'env')}\n`);
    for (const n of names) {
      const r = result[n];
      process.stdout.write(`  ${n.padEnd(9)} ${r.state.padEnd(9)} 127.0.0.1:${String(r.port).padEnd(6)} ${r.pid ? `pid ${r.pid}` : ''}\n`);
    }
    for (const [k, v] of Object.entries(env)) process.stdout.write(`  ${k}=${v}\n`);
  }
  return { env, services: result };
}

/** Stop the servers we started (pid files); with { purge: true } also delete the data dir. */
export async function down(opts = {}) {
  const cfg = stackConfig(opts);
  const log = makeLog(cfg);
  const names = pickServices(opts.services);
  const out = {};
  await withLock(cfg, async () => {
    await Promise.all(
      names.map(async (name) => {
        const def = DEFS[name];
        const pid = readPid(cfg, name);
        if (pid && alive(pid, def.cmdline)) {
          const t0 = Date.now();
          const how = await stopPid(pid, def.cmdline, def.stopSignal, def.stopTimeoutMs ?? 15_000);
          log(name, `${how} (pid ${pid}, ${secs(t0)})`);
          out[name] = how;
        } else {
          if (!opts.quietMissing) log(name, 'not running (nothing of ours to stop)');
          out[name] = 'not-running';
        }
        removePid(cfg, name);
      }),
    );
  });
  if (opts.purge) {
    fs.rmSync(cfg.dataDir, { recursive: true, force: true });
    log('stack', `deleted ${cfg.dataDir}`);
  }
  return out;
}

/** { name: { state: 'running'|'external'|'stopped', ours, pid, port } } and prints it unless quiet. */
export async function status(opts = {}) {
  const cfg = stackConfig(opts);
  const names = pickServices(opts.services);
  const res = {};
  await Promise.all(
    names.map(async (name) => {
      const def = DEFS[name];
      const pid = ourPid(cfg, def);
      const answering = await def.probe(cfg);
      const port = mainPort(cfg, def);
      let state;
      if (pid) state = answering ? 'running (ours)' : 'starting/unhealthy (ours)';
      else if (answering) state = 'running (external)';
      else if (await portInUse(port)) state = 'port taken by something else';
      else state = 'stopped';
      res[name] = { state, ours: !!pid, pid, port, answering };
    }),
  );
  if (!cfg.quiet) {
    for (const n of names) {
      const r = res[n];
      process.stdout.write(`${n.padEnd(9)} ${r.state.padEnd(28)} 127.0.0.1:${String(r.port).padEnd(6)} ${r.pid ? `pid ${r.pid}` : ''}\n`);
    }
  }
  return res;
}

/**
 * What the stack is made of, for tools that run a stack of their own (the fault suite picks a free
 * port for every entry of `ports`): [{ name, ports: [{ key, env, default, port }], settings, env }].
 */
export function describe(opts = {}) {
  const cfg = stackConfig(opts);
  return SERVERS.map((s) => ({
    name: s.name,
    optional: s.optional === true,
    ports: s.ports.map((p) => ({ key: p.key, env: p.env, default: typeof p.default === 'function' ? null : p.default, meaning: p.meaning, port: cfg.ports[p.key] })),
    settings: s.settings ?? [],
    env: s.env(cfg),
  }));
}

// ---- CLI ------------------------------------------------------------------------------------
function usage() {
  const vars = [
    ...SERVERS.flatMap((s) => [...s.ports.map((p) => p.env), ...(s.settings ?? []).map((x) => x.env)]),
    'SG_STACK_DIR',
    'SG_CACHE_DIR',
  ];
  return (
    'usage: node infra/stack/stack.mjs up [svc…] | down [--purge] [svc…] | status [svc…] | env | describe | prepare svc… | chromium\n' +
    `services: ${NAMES.join(', ')}\n` +
    `env: ${vars.join(' ')}\n`
  );
}

async function main(argv) {
  const [cmd, ...rest] = argv;
  const flags = new Set(rest.filter((a) => a.startsWith('-')));
  const svcs = rest.filter((a) => !a.startsWith('-'));
  switch (cmd) {
    case 'up':
      await up({ services: svcs });
      break;
    case 'down':
      await down({ services: svcs, purge: flags.has('--purge') });
      break;
    case 'status':
      await status({ services: svcs });
      break;
    case 'env':
      for (const [k, v] of Object.entries(stackEnv())) process.stdout.write(`${k}=${v}\n`);
      break;
    case 'describe':
      process.stdout.write(`${JSON.stringify(describe(), null, 2)}\n`);
      break;
    case 'prepare':
      // Builds or downloads what the named servers need, without starting them or taking the stack's
      // lock (npm test prepares Jaeger in the background for the tracing test).
      for (const name of pickServices(svcs)) {
        const cfg = stackConfig();
        const log = makeLog(cfg);
        fs.mkdirSync(cfg.logs, { recursive: true });
        if (DEFS[name].prepare) await DEFS[name].prepare(cfg, { log, logFile: path.join(cfg.logs, `${name}-prepare.log`) });
      }
      break;
    case 'chromium':
      // not a server: Debian's Chromium for the storefront's browser tests (installed with apt once)
      process.stdout.write(`${await (await import('./chromium.mjs')).ensureChromium()}\n`);
      break;
    default:
      process.stderr.write(usage());
      process.exitCode = cmd ? 2 : 0;
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`[stack] ${e instanceof StackError ? e.message : e?.stack ?? e}\n`);
    process.exit(1);
  });
}
