#!/usr/bin/env node
// Shopgraph local stack: PostgreSQL, Redis, Apache Kafka (KRaft) and a MongoDB-wire server
// (mongod if installed, otherwise FerretDB v1 on SQLite) as plain background processes on
// 127.0.0.1. No npm dependencies: it runs before `npm install`.
//
//   node infra/stack/stack.mjs up [svc...]     start what is not running (idempotent)
//   node infra/stack/stack.mjs down [--purge]  stop what we started (--purge: delete data dir)
//   node infra/stack/stack.mjs status          one line per service
//   node infra/stack/stack.mjs env             connection settings as KEY=VALUE
//
// As a module: import { up, down, status, stackEnv } from '../infra/stack/stack.mjs'.
// See infra/README.md.

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// ---- versions -------------------------------------------------------------------------------
/** Newest Kafka release kafkajs 2.2.4 was verified against (produce, groups, commits, admin, txns). */
export const KAFKA_VERSION = '4.4.0';
/** Last FerretDB v1 release (v2 needs PostgreSQL with the DocumentDB extension). */
export const FERRETDB_VERSION = 'v1.24.0';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const SERVICES = ['postgres', 'redis', 'kafka', 'mongo'];
const PG_DATABASES = ['users', 'inventory', 'orders', 'payments'];
const PG_USER = 'shopgraph';
const PG_PASSWORD = 'shopgraph';

// ---- config ---------------------------------------------------------------------------------
function intEnv(env, name, def) {
  const v = env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name}=${v} is not a valid port`);
  return n;
}

/** Resolved settings (ports, dirs) for the given env (defaults to process.env). */
export function stackConfig(opts = {}) {
  const env = opts.env ?? process.env;
  const dataDir = path.resolve(opts.dataDir ?? env.SG_STACK_DIR ?? path.join(REPO, '.stack'));
  const cacheRoot = path.resolve(
    opts.cacheDir ?? env.SG_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'shopgraph'),
  );
  const kafkaPort = intEnv(env, 'SG_KAFKA_PORT', 9092);
  return {
    dataDir,
    cacheRoot,
    ports: {
      postgres: intEnv(env, 'SG_PG_PORT', 5432),
      redis: intEnv(env, 'SG_REDIS_PORT', 6379),
      kafka: kafkaPort,
      kafkaController: intEnv(env, 'SG_KAFKA_CONTROLLER_PORT', kafkaPort + 1),
      mongo: intEnv(env, 'SG_MONGO_PORT', 27017),
    },
    kafkaHeap: env.SG_KAFKA_HEAP || '768m',
    logs: path.join(dataDir, 'logs'),
    pids: path.join(dataDir, 'pids'),
    quiet: !!opts.quiet,
  };
}

/** Connection settings for the apps, as an object of KEY -> VALUE. */
export function stackEnv(opts = {}) {
  const c = opts.ports ? opts : stackConfig(opts);
  return {
    PG_URL: `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${c.ports.postgres}`,
    REDIS_URL: `redis://127.0.0.1:${c.ports.redis}`,
    KAFKA_BROKERS: `127.0.0.1:${c.ports.kafka}`,
    MONGO_URL: `mongodb://127.0.0.1:${c.ports.mongo}`,
  };
}

// ---- small helpers --------------------------------------------------------------------------
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

function makeLog(cfg) {
  return (svc, msg) => {
    if (!cfg.quiet) process.stdout.write(`[stack] ${svc}: ${msg}\n`);
  };
}

function which(cmd, extra = []) {
  for (const dir of [...(process.env.PATH || '').split(':'), ...extra]) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {}
  }
  return null;
}

function tail(file, lines = 25) {
  try {
    const txt = fs.readFileSync(file, 'utf8');
    return txt.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

class StackError extends Error {}

function fail(svc, msg, logFile) {
  let m = `${svc}: ${msg}`;
  if (logFile) m += `\n  log: ${logFile}\n  --- last lines ---\n${tail(logFile).replace(/^/gm, '  | ')}`;
  return new StackError(m);
}

/** Run a command, resolve with {code, out}; output also appended to logFile if given. */
function run(cmd, args, { env, cwd, logFile, timeoutMs = 15 * 60_000, input } = {}) {
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawn(cmd, args, { env: env ?? process.env, cwd, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const logFd = logFile ? fs.openSync(logFile, 'a') : null;
    if (logFd !== null) fs.writeSync(logFd, `\n$ ${cmd} ${args.join(' ')}\n`);
    const onData = (d) => {
      out += d;
      if (out.length > 200_000) out = out.slice(-100_000);
      if (logFd !== null) fs.writeSync(logFd, d);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    if (input) child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      if (logFd !== null) fs.closeSync(logFd);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (logFd !== null) fs.closeSync(logFd);
      resolve({ code: code ?? (signal ? 128 : 1), out });
    });
  });
}

async function runOk(svc, cmd, args, o = {}) {
  const r = await run(cmd, args, o);
  if (r.code !== 0) {
    const msg = `\`${cmd} ${args.join(' ')}\` failed (exit ${r.code})`;
    throw o.logFile ? fail(svc, msg, o.logFile) : new StackError(`${svc}: ${msg}\n${r.out.slice(-3000)}`);
  }
  return r.out;
}

// ---- pid files ------------------------------------------------------------------------------
function pidFile(cfg, svc) {
  return path.join(cfg.pids, `${svc}.pid`);
}
function readPid(cfg, svc) {
  try {
    const pid = Number(fs.readFileSync(pidFile(cfg, svc), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
function writePid(cfg, svc, pid) {
  fs.mkdirSync(cfg.pids, { recursive: true });
  fs.writeFileSync(pidFile(cfg, svc), `${pid}\n`);
}
function removePid(cfg, svc) {
  fs.rmSync(pidFile(cfg, svc), { force: true });
}
const CMDLINE_MARK = { postgres: 'postgres', redis: 'redis-server', kafka: 'kafka.Kafka', mongo: /ferretdb|mongod/ };
function alive(pid, svc) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/^\d+ \(.*\) Z /.test(stat)) return false; // zombie
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    const mark = CMDLINE_MARK[svc];
    if (mark && !(typeof mark === 'string' ? cmd.includes(mark) : mark.test(cmd))) return false; // pid reused
  } catch {}
  return true;
}
/** Our process for svc if its pid file points at a live process of the right kind. */
function ourPid(cfg, svc) {
  const pid = readPid(cfg, svc);
  return alive(pid, svc) ? pid : null;
}

/** Spawn a long-running server detached from us, stdio into its log file. */
function spawnDetached(cfg, svc, cmd, args, { env, cwd } = {}) {
  const logFile = path.join(cfg.logs, `${svc}.log`);
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n==== ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`);
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env, cwd });
  fs.closeSync(fd);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  child.on('error', (e) => (exited = { code: -1, signal: String(e) }));
  child.unref();
  writePid(cfg, svc, child.pid);
  return { pid: child.pid, logFile, exited: () => exited };
}

// ---- probes (no npm deps) -------------------------------------------------------------------
/** Open a TCP connection, send `req` (optional), collect bytes until `done(buf)` says enough. */
function tcpExchange(port, req, done, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (v) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    sock.on('connect', () => {
      if (!req) return finish(Buffer.alloc(0));
      sock.write(req);
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const r = done(buf);
      if (r !== undefined) finish(r);
    });
    sock.on('error', () => finish(null));
    sock.on('close', () => finish(null));
  });
}

async function portInUse(port) {
  return (await tcpExchange(port, null, () => undefined, 1000)) !== null;
}

async function redisPing(port) {
  const r = await tcpExchange(port, Buffer.from('*1\r\n$4\r\nPING\r\n'), (b) => (b.includes('\r\n') ? b.toString() : undefined));
  return typeof r === 'string' && r.startsWith('+PONG');
}

/** Raw Kafka ApiVersions v0 request; true when the broker answers with error_code 0 and a non-empty API list. */
async function kafkaApiVersions(port) {
  const clientId = Buffer.from('shopgraph-stack');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  let o = 0;
  o = body.writeInt16BE(18, o); // api_key ApiVersions
  o = body.writeInt16BE(0, o); // api_version 0
  o = body.writeInt32BE(4242, o); // correlation id
  o = body.writeInt16BE(clientId.length, o);
  clientId.copy(body, o);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  const r = await tcpExchange(port, Buffer.concat([size, body]), (b) => {
    if (b.length < 4 || b.length < 4 + b.readInt32BE(0)) return undefined;
    if (b.readInt32BE(4) !== 4242) return false;
    const err = b.readInt16BE(8);
    const n = b.readInt32BE(10);
    return err === 0 && n > 0;
  });
  return r === true;
}

/** Minimal BSON for the one document we send: { hello: 1, $db: "admin" }. */
function bsonHello() {
  const parts = [];
  const el = (type, name, val) => parts.push(Buffer.from([type]), Buffer.from(name + '\0'), val);
  const i32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return b;
  };
  el(0x10, 'hello', i32(1));
  const s = Buffer.from('admin\0');
  el(0x02, '$db', Buffer.concat([i32(s.length), s]));
  const inner = Buffer.concat(parts);
  return Buffer.concat([i32(inner.length + 5), inner, Buffer.from([0])]);
}

/** Reads the top-level "ok" field of a BSON document (double/int32/int64/bool); undefined if absent. */
function bsonOk(doc) {
  let o = 4;
  const end = doc.readInt32LE(0) - 1;
  while (o < end) {
    const type = doc[o++];
    const nameEnd = doc.indexOf(0, o);
    const name = doc.toString('utf8', o, nameEnd);
    o = nameEnd + 1;
    const take = (n) => {
      const v = o;
      o += n;
      return v;
    };
    let val;
    switch (type) {
      case 0x01: val = doc.readDoubleLE(take(8)); break;
      case 0x02: case 0x0d: case 0x0e: take(4 + doc.readInt32LE(o)); break;
      case 0x03: case 0x04: take(doc.readInt32LE(o)); break;
      case 0x05: take(5 + doc.readInt32LE(o)); break;
      case 0x07: take(12); break;
      case 0x08: val = doc[take(1)] === 1 ? 1 : 0; break;
      case 0x09: case 0x11: take(8); break;
      case 0x12: val = Number(doc.readBigInt64LE(take(8))); break;
      case 0x10: val = doc.readInt32LE(take(4)); break;
      case 0x13: take(16); break;
      case 0x0a: case 0x06: case 0xff: case 0x7f: break;
      case 0x0b: { const a = doc.indexOf(0, o); const b = doc.indexOf(0, a + 1); o = b + 1; break; }
      default: return undefined; // unknown type: give up
    }
    if (name === 'ok') return val;
  }
  return undefined;
}

/** MongoDB wire: OP_MSG { hello: 1 } and check the reply has ok: 1. */
async function mongoHello(port) {
  const doc = bsonHello();
  const msg = Buffer.alloc(16 + 4 + 1 + doc.length);
  msg.writeInt32LE(msg.length, 0);
  msg.writeInt32LE(7, 4); // requestID
  msg.writeInt32LE(0, 8); // responseTo
  msg.writeInt32LE(2013, 12); // OP_MSG
  msg.writeUInt32LE(0, 16); // flagBits
  msg[20] = 0; // section kind 0: body
  doc.copy(msg, 21);
  const r = await tcpExchange(port, msg, (b) => {
    if (b.length < 4 || b.length < b.readInt32LE(0)) return undefined;
    if (b.readInt32LE(12) !== 2013 || b.readInt32LE(8) !== 7) return false;
    try {
      return bsonOk(b.subarray(21)) === 1;
    } catch {
      return false;
    }
  });
  return r === true;
}

function pgBin(name) {
  const dirs = [];
  try {
    for (const v of fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))) dirs.push(`/usr/lib/postgresql/${v}/bin`);
  } catch {}
  return which(name, dirs) ?? dirs.map((d) => path.join(d, name)).find((p) => fs.existsSync(p)) ?? null;
}

/** Can we log in as shopgraph over TCP? */
async function pgLogin(port, db = 'postgres') {
  const psql = pgBin('psql');
  if (!psql) return false;
  const r = await run(psql, ['-X', '-q', '-t', '-A', '-h', '127.0.0.1', '-p', String(port), '-U', PG_USER, '-d', db, '-c', 'select 1'], {
    env: { ...process.env, PGPASSWORD: PG_PASSWORD, PGCONNECT_TIMEOUT: '3' },
    timeoutMs: 10_000,
  });
  return r.code === 0 && r.out.trim() === '1';
}

async function pgIsReady(port) {
  const bin = pgBin('pg_isready');
  if (!bin) return portInUse(port);
  const r = await run(bin, ['-q', '-h', '127.0.0.1', '-p', String(port), '-t', '2'], { timeoutMs: 5000 });
  return r.code === 0;
}

async function waitFor(check, { timeoutMs, intervalMs = 250, exited }) {
  const t0 = Date.now();
  for (;;) {
    if (await check()) return true;
    if (exited && exited()) return false;
    if (Date.now() - t0 > timeoutMs) return false;
    await sleep(intervalMs);
  }
}

// ---- apt (once per process) -----------------------------------------------------------------
let aptUpdated = null;
let aptQueue = Promise.resolve();
function aptInstall(svc, pkgs, log, logFile) {
  const job = aptQueue.then(async () => {
    if (!which('apt-get')) throw new StackError(`${svc}: ${pkgs.join(' ')} is missing and apt-get is not available; install it by hand`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const sudo = process.getuid && process.getuid() !== 0 ? ['sudo', '-n'] : [];
    const cmd = (args) => (sudo.length ? [sudo[0], [...sudo.slice(1), 'apt-get', ...args]] : ['apt-get', args]);
    if (!aptUpdated) {
      log(svc, 'apt-get update (first install only)…');
      aptUpdated = runOk(svc, ...cmd(['update']), { env, logFile, timeoutMs: 10 * 60_000 });
    }
    await aptUpdated;
    log(svc, `apt-get install ${pkgs.join(' ')}…`);
    await runOk(svc, ...cmd(['install', '-y', '--no-install-recommends', ...pkgs]), { env, logFile, timeoutMs: 15 * 60_000 });
  });
  aptQueue = job.catch(() => {});
  return job;
}

// ---- services -------------------------------------------------------------------------------
// Each service: probe(cfg) -> is a usable server answering on the port?
//               start(cfg, ctx) -> installs/builds what is missing, starts the server, waits for it.

const postgres = {
  name: 'postgres',
  port: (c) => c.ports.postgres,
  probe: (c) => pgLogin(c.ports.postgres),
  async portBusyMessage(c) {
    if (await pgIsReady(c.ports.postgres))
      return `a PostgreSQL server answers on 127.0.0.1:${c.ports.postgres} but rejects ${PG_USER}/${PG_PASSWORD}; create that SUPERUSER role there, stop it, or set SG_PG_PORT`;
    return `port ${c.ports.postgres} is taken by something that is not PostgreSQL; free it or set SG_PG_PORT`;
  },
  async start(c, { log, logFile }) {
    let initdb = pgBin('initdb');
    if (!initdb || !pgBin('pg_ctl') || !pgBin('psql')) {
      await aptInstall('postgres', ['postgresql', 'postgresql-client'], log, logFile);
      initdb = pgBin('initdb');
      if (!initdb) throw fail('postgres', 'initdb not found after installing postgresql', logFile);
    }
    const pgCtl = pgBin('pg_ctl');
    const dir = path.join(c.dataDir, 'postgres');
    const runAs = await pgRunAs(log);
    const chownPg = (p) => runAs.user && fs.chownSync(p, runAs.uid, runAs.gid);
    fs.closeSync(fs.openSync(logFile, 'a'));
    chownPg(logFile);
    // the socket dir must be short (108 bytes for the socket path)
    let sockDir = path.join(c.dataDir, 'run');
    if (sockDir.length > 80) sockDir = path.join(os.tmpdir(), `shopgraph-pg-${crypto.createHash('sha1').update(c.dataDir).digest('hex').slice(0, 8)}`);
    fs.mkdirSync(sockDir, { recursive: true });
    chownPg(sockDir);
    if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
      log('postgres', `initdb ${dir}`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      chownPg(dir);
      checkTraversable(dir, runAs);
      await runOk('postgres', ...runAs.wrap(initdb, ['-D', dir, '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--auth-local=trust', '--auth-host=scram-sha-256']), { logFile });
      fs.appendFileSync(
        path.join(dir, 'postgresql.conf'),
        [
          '',
          '# --- shopgraph local stack (dev only: durability traded for speed) ---',
          "listen_addresses = '127.0.0.1'",
          'max_connections = 300',
          'shared_buffers = 128MB',
          'fsync = off',
          'synchronous_commit = off',
          'full_page_writes = off',
          "password_encryption = 'scram-sha-256'",
          'log_min_messages = warning',
          '',
        ].join('\n'),
      );
    }
    checkTraversable(dir, runAs);
    // a data dir carried over from another machine may belong to another uid
    if (runAs.user && fs.statSync(dir).uid !== runAs.uid) await runOk('postgres', 'chown', ['-R', `${runAs.uid}:${runAs.gid}`, dir], { logFile });
    // stale postmaster.pid (machine restarted, pid now reused by something else): postgres would refuse to start
    const pmPid = path.join(dir, 'postmaster.pid');
    if (fs.existsSync(pmPid)) {
      const old = Number(fs.readFileSync(pmPid, 'utf8').split('\n')[0]);
      if (!alive(old, 'postgres')) fs.rmSync(pmPid, { force: true });
    }
    log('postgres', `starting on 127.0.0.1:${c.ports.postgres}`);
    const r = await run(...runAs.wrap(pgCtl, ['start', '-D', dir, '-l', logFile, '-w', '-t', '90', '-o', `-p ${c.ports.postgres} -k ${sockDir}`]), { timeoutMs: 120_000 });
    if (r.code !== 0) throw fail('postgres', `pg_ctl start failed (exit ${r.code}): ${r.out.trim()}`, logFile);
    const pid = Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    writePid(c, 'postgres', pid);
    // role (over the unix socket, trust) then databases (as shopgraph over TCP)
    const psql = pgBin('psql');
    const sql = `DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${PG_USER}') THEN
        CREATE ROLE ${PG_USER} LOGIN SUPERUSER CREATEDB PASSWORD '${PG_PASSWORD}';
      ELSE
        ALTER ROLE ${PG_USER} LOGIN SUPERUSER CREATEDB PASSWORD '${PG_PASSWORD}';
      END IF; END $$;`;
    await runOk('postgres', psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', sockDir, '-p', String(c.ports.postgres), '-U', 'postgres', '-d', 'postgres', '-c', sql], { logFile });
    return { pid };
  },
  /** Runs for ours and external servers alike once we can log in. */
  async ensure(c, { log }) {
    const psql = pgBin('psql');
    const env = { ...process.env, PGPASSWORD: PG_PASSWORD, PGCONNECT_TIMEOUT: '5' };
    const base = ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(c.ports.postgres), '-U', PG_USER, '-d', 'postgres'];
    const have = new Set((await runOk('postgres', psql, [...base, '-c', 'select datname from pg_database'], { env })).split('\n').map((s) => s.trim()));
    for (const db of PG_DATABASES) {
      if (have.has(db)) continue;
      log('postgres', `create database ${db}`);
      await runOk('postgres', psql, [...base, '-c', `CREATE DATABASE "${db}" OWNER ${PG_USER}`], { env });
    }
  },
  stopSignal: 'SIGINT', // fast shutdown
};

function checkTraversable(dir, runAs) {
  if (!runAs.user) return;
  // postgres (non-root) must be able to reach the data dir
  let p = path.dirname(dir);
  while (p !== '/') {
    const st = fs.statSync(p);
    if (!(st.mode & 0o001) && st.uid !== runAs.uid)
      throw new StackError(`postgres: ${p} is not traversable by user ${runAs.user}; set SG_STACK_DIR to a path outside it (e.g. /var/tmp/shopgraph-stack)`);
    p = path.dirname(p);
  }
}

/** PostgreSQL refuses to run as root: run its tools as the `postgres` system user (created if missing). */
async function pgRunAs(log) {
  if (!process.getuid || process.getuid() !== 0) return { user: null, wrap: (cmd, args) => [cmd, args] };
  const lookup = () => {
    const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (r.status !== 0) return null;
    return { uid: Number(r.stdout.trim()), gid: Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()) };
  };
  let ids = lookup();
  if (!ids) {
    log('postgres', 'creating system user postgres');
    const r = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/var/lib/postgresql', '--shell', '/bin/bash', 'postgres'], { encoding: 'utf8' });
    ids = lookup();
    if (!ids) throw new StackError(`postgres: could not create user postgres: ${r.stderr}`);
  }
  const runuser = which('runuser', ['/usr/sbin', '/sbin']);
  return {
    user: 'postgres',
    ...ids,
    wrap: (cmd, args) => (runuser ? [runuser, ['-u', 'postgres', '--', cmd, ...args]] : ['su', ['postgres', '-s', '/bin/sh', '-c', [cmd, ...args].map(shq).join(' ')]]),
  };
}
const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

const redis = {
  name: 'redis',
  port: (c) => c.ports.redis,
  probe: (c) => redisPing(c.ports.redis),
  portBusyMessage: async (c) => `port ${c.ports.redis} is taken by something that does not answer Redis PING; free it or set SG_REDIS_PORT`,
  async start(c, { log, logFile }) {
    let bin = which('redis-server', ['/usr/bin', '/usr/local/bin']);
    if (!bin) {
      await aptInstall('redis', ['redis-server'], log, logFile);
      bin = which('redis-server', ['/usr/bin', '/usr/local/bin']);
      if (!bin) throw fail('redis', 'redis-server not found after apt-get install redis-server', logFile);
    }
    const dir = path.join(c.dataDir, 'redis');
    fs.mkdirSync(dir, { recursive: true });
    const args = ['--port', String(c.ports.redis), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', '', '--maxclients', '2000'];
    log('redis', `starting ${bin} on 127.0.0.1:${c.ports.redis}`);
    const p = spawnDetached(c, 'redis', bin, args, { cwd: dir });
    const ok = await waitFor(() => redisPing(c.ports.redis), { timeoutMs: 20_000, exited: p.exited });
    if (!ok) throw fail('redis', p.exited() ? `redis-server exited (${JSON.stringify(p.exited())})` : 'no PONG within 20s', logFile);
    return { pid: p.pid };
  },
  stopSignal: 'SIGTERM',
};

function javaBin() {
  if (process.env.JAVA_HOME && fs.existsSync(path.join(process.env.JAVA_HOME, 'bin/java'))) return path.join(process.env.JAVA_HOME, 'bin/java');
  return which('java');
}

async function ensureKafkaJars(c, { log, logFile }) {
  const home = path.join(c.cacheRoot, `kafka-${KAFKA_VERSION}`);
  const libs = path.join(home, 'libs');
  if (fs.existsSync(path.join(home, '.complete'))) return libs;
  const mvn = which('mvn');
  if (!mvn) throw fail('kafka', 'the Kafka jars are not cached and `mvn` is not on PATH (install maven)', null);
  log('kafka', `downloading jars from Maven Central (first run only, kafka ${KAFKA_VERSION})…`);
  const t0 = Date.now();
  fs.mkdirSync(home, { recursive: true });
  const tmp = `${libs}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await runOk(
    'kafka',
    mvn,
    ['-q', '-B', '-Dstyle.color=never', '-f', path.join(REPO, 'infra/kafka/pom.xml'), `-Dkafka.version=${KAFKA_VERSION}`, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`, '-DincludeScope=runtime'],
    { logFile, timeoutMs: 20 * 60_000, cwd: path.join(REPO, 'infra/kafka') },
  );
  if (!fs.existsSync(path.join(tmp, `kafka_2.13-${KAFKA_VERSION}.jar`))) throw fail('kafka', `mvn finished but kafka_2.13-${KAFKA_VERSION}.jar is not in ${tmp}`, logFile);
  fs.rmSync(libs, { recursive: true, force: true });
  fs.renameSync(tmp, libs);
  fs.writeFileSync(path.join(home, '.complete'), `${new Date().toISOString()}\n`);
  log('kafka', `jars cached in ${libs} (${secs(t0)})`);
  return libs;
}

const kafka = {
  name: 'kafka',
  port: (c) => c.ports.kafka,
  probe: (c) => kafkaApiVersions(c.ports.kafka),
  portBusyMessage: async (c) => `port ${c.ports.kafka} is taken by something that does not answer a Kafka ApiVersions request; free it or set SG_KAFKA_PORT`,
  async start(c, ctx) {
    const { log, logFile } = ctx;
    const java = javaBin();
    if (!java) throw fail('kafka', 'java not found (JDK 17+ needed); install openjdk-17-jre-headless', null);
    if (await portInUse(c.ports.kafkaController)) throw fail('kafka', `controller port ${c.ports.kafkaController} is taken; set SG_KAFKA_CONTROLLER_PORT`, null);
    const libs = await ensureKafkaJars(c, ctx);
    const dir = path.join(c.dataDir, 'kafka');
    const logDir = path.join(dir, 'data');
    fs.mkdirSync(logDir, { recursive: true });
    const props = path.join(dir, 'server.properties');
    fs.writeFileSync(
      props,
      [
        '# generated by infra/stack/stack.mjs on every start',
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${c.ports.kafkaController}`,
        `listeners=PLAINTEXT://127.0.0.1:${c.ports.kafka},CONTROLLER://127.0.0.1:${c.ports.kafkaController}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${c.ports.kafka}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        `log.dirs=${logDir}`,
        'num.partitions=3',
        'default.replication.factor=1',
        'auto.create.topics.enable=true',
        'delete.topic.enable=true',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=10',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'transaction.state.log.num.partitions=5',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'num.network.threads=2',
        'num.io.threads=4',
        'log.retention.hours=24',
        'log.segment.bytes=16777216',
        '',
      ].join('\n'),
    );
    const log4j = path.join(dir, 'log4j2.properties');
    fs.writeFileSync(
      log4j,
      [
        'status = warn',
        'appender.out.type = Console',
        'appender.out.name = OUT',
        'appender.out.layout.type = PatternLayout',
        'appender.out.layout.pattern = [%d] %p %m (%c)%n',
        'rootLogger.level = INFO',
        'rootLogger.appenderRef.out.ref = OUT',
        'logger.config.name = org.apache.kafka.common.config.AbstractConfig',
        'logger.config.level = WARN',
        'logger.state.name = state.change.logger',
        'logger.state.level = WARN',
        'logger.controller.name = org.apache.kafka.controller',
        'logger.controller.level = WARN',
        '',
      ].join('\n'),
    );
    const jvm = [`-Xmx${c.kafkaHeap}`, '-Xms256m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${log4j}`, '-cp', `${libs}/*`];
    if (!fs.existsSync(path.join(logDir, 'meta.properties'))) {
      // Kafka's own Uuid.randomUuid() never starts with '-': an id that does is read as an option by
      // the storage tool's argument parser ("argument --cluster-id/-t: expected one argument").
      let clusterId;
      do clusterId = crypto.randomBytes(16).toString('base64url'); while (clusterId.startsWith('-'));
      log('kafka', `formatting KRaft storage (cluster id ${clusterId})`);
      await runOk('kafka', java, ['-Xmx256m', ...jvm.slice(1), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props], { logFile, timeoutMs: 120_000 });
    }
    log('kafka', `starting broker ${KAFKA_VERSION} on 127.0.0.1:${c.ports.kafka} (controller ${c.ports.kafkaController})`);
    const p = spawnDetached(c, 'kafka', java, [...jvm, 'kafka.Kafka', props], { cwd: dir });
    const ok = await waitFor(() => kafkaApiVersions(c.ports.kafka), { timeoutMs: 120_000, intervalMs: 300, exited: p.exited });
    if (!ok) throw fail('kafka', p.exited() ? `broker exited (${JSON.stringify(p.exited())})` : 'no ApiVersions answer within 120s', logFile);
    return { pid: p.pid };
  },
  stopSignal: 'SIGTERM',
};

async function ensureFerretdb(c, { log, logFile }) {
  const home = path.join(c.cacheRoot, `ferretdb-${FERRETDB_VERSION}`);
  const bin = path.join(home, 'bin', 'ferretdb');
  if (fs.existsSync(bin)) return bin;
  const go = which('go', ['/usr/local/go/bin']);
  if (!go) throw fail('mongo', 'no mongod on PATH and FerretDB is not cached: Go is needed to build it (install golang-go or /usr/local/go)', null);
  log('mongo', `building FerretDB ${FERRETDB_VERSION} with Go (first run only)…`);
  const t0 = Date.now();
  const env = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' };
  // `go install …@version` fails here: it asks the proxy for the module's version list
  // (deprecation check), which the proxy refuses for this module (403). So: download the
  // module, build it from a writable copy with build/version/version.txt filled in
  // (FerretDB panics at start without it).
  const mod = `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`;
  const info = JSON.parse(await runOk('mongo', go, ['mod', 'download', '-json', mod], { env, logFile, timeoutMs: 15 * 60_000 }).then((o) => o.slice(o.indexOf('{'))));
  if (!info.Dir) throw fail('mongo', `go mod download ${mod} gave no directory: ${JSON.stringify(info)}`, logFile);
  const src = path.join(home, `src-${process.pid}`);
  fs.rmSync(src, { recursive: true, force: true });
  fs.mkdirSync(home, { recursive: true });
  fs.cpSync(info.Dir, src, { recursive: true });
  await runOk('mongo', 'chmod', ['-R', 'u+w', src], { logFile });
  fs.writeFileSync(path.join(src, 'build/version/version.txt'), `${FERRETDB_VERSION}\n`);
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  const tmpBin = `${bin}.tmp-${process.pid}`;
  await runOk('mongo', go, ['build', '-trimpath', '-o', tmpBin, './cmd/ferretdb'], { env, cwd: src, logFile, timeoutMs: 20 * 60_000 });
  fs.renameSync(tmpBin, bin);
  fs.rmSync(src, { recursive: true, force: true });
  log('mongo', `FerretDB built: ${bin} (${secs(t0)})`);
  return bin;
}

const mongo = {
  name: 'mongo',
  port: (c) => c.ports.mongo,
  probe: (c) => mongoHello(c.ports.mongo),
  portBusyMessage: async (c) => `port ${c.ports.mongo} is taken by something that does not answer a MongoDB hello; free it or set SG_MONGO_PORT`,
  async start(c, ctx) {
    const { log, logFile } = ctx;
    const mongod = process.env.SG_FORCE_FERRETDB ? null : which('mongod');
    let p;
    if (mongod) {
      const dir = path.join(c.dataDir, 'mongod');
      fs.mkdirSync(dir, { recursive: true });
      log('mongo', `starting ${mongod} on 127.0.0.1:${c.ports.mongo}`);
      p = spawnDetached(c, 'mongo', mongod, ['--bind_ip', '127.0.0.1', '--port', String(c.ports.mongo), '--dbpath', dir], { cwd: dir });
    } else {
      const bin = await ensureFerretdb(c, ctx);
      const dir = path.join(c.dataDir, 'ferretdb');
      const state = path.join(dir, 'state');
      const data = path.join(dir, 'sqlite');
      fs.mkdirSync(state, { recursive: true });
      fs.mkdirSync(data, { recursive: true });
      log('mongo', `starting FerretDB ${FERRETDB_VERSION} (SQLite backend) on 127.0.0.1:${c.ports.mongo}`);
      p = spawnDetached(
        c,
        'mongo',
        bin,
        [
          '--handler=sqlite',
          `--sqlite-url=file:${data}/`,
          `--listen-addr=127.0.0.1:${c.ports.mongo}`,
          `--state-dir=${state}`,
          '--telemetry=disable',
          '--debug-addr=-',
          '--log-level=warn',
        ],
        { cwd: dir },
      );
    }
    const ok = await waitFor(() => mongoHello(c.ports.mongo), { timeoutMs: 60_000, exited: p.exited });
    if (!ok) throw fail('mongo', p.exited() ? `server exited (${JSON.stringify(p.exited())})` : 'no hello reply within 60s', logFile);
    return { pid: p.pid };
  },
  stopSignal: 'SIGTERM',
};

const DEFS = { postgres, redis, kafka, mongo };

// ---- lock (two `up`s at once would race on pid files / initdb) ------------------------------
async function withLock(cfg, fn) {
  fs.mkdirSync(cfg.dataDir, { recursive: true });
  const lock = path.join(cfg.dataDir, '.stack.lock');
  const t0 = Date.now();
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const holder = Number(fs.readFileSync(lock, 'utf8').trim());
      let holderAlive = false;
      try {
        process.kill(holder, 0);
        holderAlive = holder !== process.pid;
      } catch {}
      if (!holderAlive) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (!announced && !cfg.quiet) process.stdout.write(`[stack] waiting for another stack command (pid ${holder})…\n`);
      announced = true;
      if (Date.now() - t0 > 30 * 60_000) throw new StackError(`timed out waiting for lock ${lock} held by pid ${holder}`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function pickServices(list) {
  if (!list || list.length === 0) return SERVICES;
  const bad = list.filter((s) => !SERVICES.includes(s));
  if (bad.length) throw new StackError(`unknown service(s): ${bad.join(', ')} (known: ${SERVICES.join(', ')})`);
  return SERVICES.filter((s) => list.includes(s));
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
  const names = pickServices(opts.services);
  const t0 = Date.now();
  for (const d of [cfg.dataDir, cfg.logs, cfg.pids]) fs.mkdirSync(d, { recursive: true });
  const result = await withLock(cfg, async () => {
    const results = {};
    const settled = await Promise.allSettled(
      names.map(async (name) => {
        const def = DEFS[name];
        const ts = Date.now();
        const port = def.port(cfg);
        const logFile = path.join(cfg.logs, `${name}.log`);
        const ctx = { log, logFile };
        let state;
        let pid = ourPid(cfg, name);
        if (pid) {
          const ok = (await def.probe(cfg)) || (await waitFor(() => def.probe(cfg), { timeoutMs: 60_000, exited: () => !alive(pid, name) }));
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
              if (p && alive(p, name)) await stopPid(name, p, def.stopSignal, 10_000);
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

async function stopPid(name, pid, signal, timeoutMs) {
  try {
    process.kill(pid, signal);
  } catch {
    return 'gone';
  }
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (!alive(pid, name)) return 'stopped';
    await sleep(200);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
  for (let i = 0; i < 25 && alive(pid, name); i++) await sleep(200);
  return 'killed';
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
        const pid = readPid(cfg, name);
        if (pid && alive(pid, name)) {
          const t0 = Date.now();
          const how = await stopPid(name, pid, DEFS[name].stopSignal, name === 'kafka' ? 30_000 : 15_000);
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
      const pid = ourPid(cfg, name);
      const answering = await def.probe(cfg);
      let state;
      if (pid) state = answering ? 'running (ours)' : 'starting/unhealthy (ours)';
      else if (answering) state = 'running (external)';
      else if (await portInUse(def.port(cfg))) state = 'port taken by something else';
      else state = 'stopped';
      res[name] = { state, ours: !!pid, pid, port: def.port(cfg), answering };
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

// ---- CLI ------------------------------------------------------------------------------------
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
    default:
      process.stderr.write(
        'usage: node infra/stack/stack.mjs up [svc…] | down [--purge] [svc…] | status | env\n' +
          `services: ${SERVICES.join(', ')}\n` +
          'env: SG_PG_PORT SG_REDIS_PORT SG_KAFKA_PORT SG_KAFKA_CONTROLLER_PORT SG_MONGO_PORT SG_STACK_DIR SG_CACHE_DIR SG_KAFKA_HEAP\n',
      );
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
