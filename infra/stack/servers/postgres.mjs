// PostgreSQL: the machine's binaries (apt-get install postgresql if missing), a cluster of our own
// in <data>/postgres run as the `postgres` system user, a SUPERUSER login role shopgraph/shopgraph
// and one database per PostgreSQL subgraph (its "shopgraph": { "postgres": "<db>" } declaration, read
// from subgraphs/*/package.json by scripts/subgraph-registry.cjs on every `up`).

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import registry from '../../../scripts/subgraph-registry.cjs';
import { StackError, alive, aptInstall, fail, portInUse, run, runOk, which, writePid } from '../core.mjs';

const PG_USER = 'shopgraph';
const PG_PASSWORD = 'shopgraph';
const CMDLINE = 'postgres';

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

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

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

export default {
  name: 'postgres',
  ports: [{ key: 'postgres', env: 'SG_PG_PORT', default: 5432, meaning: 'PostgreSQL port' }],
  env: (c) => ({ PG_URL: `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${c.ports.postgres}` }),
  cmdline: CMDLINE,
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
      if (!alive(old, CMDLINE)) fs.rmSync(pmPid, { force: true });
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
    for (const db of registry.postgresDatabases()) {
      if (have.has(db)) continue;
      log('postgres', `create database ${db}`);
      await runOk('postgres', psql, [...base, '-c', `CREATE DATABASE "${db}" OWNER ${PG_USER}`], { env });
    }
  },
  stopSignal: 'SIGINT', // fast shutdown
  stopTimeoutMs: 15_000,
};
