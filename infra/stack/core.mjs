// Shared core of the local stack launcher: configuration (ports from the server modules), process
// helpers (run a tool, spawn a detached server, pid files, "is this pid still our server?"), TCP
// probing, apt installs, the data-dir lock. Knows nothing about any particular server: each one
// lives in servers/<name>.mjs and is listed in servers/index.mjs. No npm dependencies.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '../..');

export class StackError extends Error {}

// ---- config ---------------------------------------------------------------------------------
function intEnv(env, name, def) {
  const v = env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name}=${v} is not a valid port`);
  return n;
}

/**
 * Resolved settings for the given servers (modules of servers/) and env (defaults to process.env):
 * data/cache dirs and every port the servers declare (`ports: [{ key, env, default }]`, a default
 * may be a function of the ports resolved before it, e.g. Kafka's controller = broker + 1).
 */
export function resolveConfig(servers, opts = {}) {
  const env = opts.env ?? process.env;
  const dataDir = path.resolve(opts.dataDir ?? env.SG_STACK_DIR ?? path.join(REPO, '.stack'));
  const cacheRoot = path.resolve(
    opts.cacheDir ?? env.SG_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'shopgraph'),
  );
  const ports = {};
  for (const s of servers) {
    for (const p of s.ports) {
      const def = typeof p.default === 'function' ? p.default(ports) : p.default;
      ports[p.key] = intEnv(env, p.env, def);
    }
  }
  return {
    env,
    dataDir,
    cacheRoot,
    ports,
    logs: path.join(dataDir, 'logs'),
    pids: path.join(dataDir, 'pids'),
    quiet: !!opts.quiet,
  };
}

// ---- small helpers --------------------------------------------------------------------------
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
export const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

export function makeLog(cfg) {
  return (svc, msg) => {
    if (!cfg.quiet) process.stdout.write(`[stack] ${svc}: ${msg}\n`);
  };
}

export function which(cmd, extra = []) {
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

export function fail(svc, msg, logFile) {
  let m = `${svc}: ${msg}`;
  if (logFile) m += `\n  log: ${logFile}\n  --- last lines ---\n${tail(logFile).replace(/^/gm, '  | ')}`;
  return new StackError(m);
}

/** Run a command, resolve with {code, out}; output also appended to logFile if given. */
export function run(cmd, args, { env, cwd, logFile, timeoutMs = 15 * 60_000, input } = {}) {
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

export async function runOk(svc, cmd, args, o = {}) {
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
export function readPid(cfg, svc) {
  try {
    const pid = Number(fs.readFileSync(pidFile(cfg, svc), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
export function writePid(cfg, svc, pid) {
  fs.mkdirSync(cfg.pids, { recursive: true });
  fs.writeFileSync(pidFile(cfg, svc), `${pid}\n`);
}
export function removePid(cfg, svc) {
  fs.rmSync(pidFile(cfg, svc), { force: true });
}

/**
 * Whether `pid` is a live (not zombie) process whose command line matches `mark` (a string it
 * contains or a RegExp; the server module's `cmdline`), so a reused pid is not taken for ours.
 */
export function alive(pid, mark) {
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
    if (mark && !(typeof mark === 'string' ? cmd.includes(mark) : mark.test(cmd))) return false; // pid reused
  } catch {}
  return true;
}

/** Spawn a long-running server detached from us, stdio into its log file; writes its pid file. */
export function spawnDetached(cfg, svc, cmd, args, { env, cwd } = {}) {
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

/** Signal, wait up to timeoutMs for the process to go, then SIGKILL. Resolves 'gone'|'stopped'|'killed'. */
export async function stopPid(pid, mark, signal, timeoutMs) {
  try {
    process.kill(pid, signal);
  } catch {
    return 'gone';
  }
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (!alive(pid, mark)) return 'stopped';
    await sleep(200);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
  for (let i = 0; i < 25 && alive(pid, mark); i++) await sleep(200);
  return 'killed';
}

// ---- probes (no npm deps) -------------------------------------------------------------------
/** Open a TCP connection, send `req` (optional), collect bytes until `done(buf)` says enough. */
export function tcpExchange(port, req, done, timeoutMs = 2000) {
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

export async function portInUse(port) {
  return (await tcpExchange(port, null, () => undefined, 1000)) !== null;
}

export async function waitFor(check, { timeoutMs, intervalMs = 250, exited }) {
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
/** apt-get install (with sudo -n when not root), serialised; `apt-get update` runs once per process. */
export function aptInstall(svc, pkgs, log, logFile) {
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

// ---- lock (two `up`s at once would race on pid files / initdb) ------------------------------
export async function withLock(cfg, fn) {
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
