import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

// A PRIVATE local stack for the fault suite: PostgreSQL, Redis, Kafka and the Mongo-wire server of
// infra/stack/stack.mjs, in a temp dir of their own on ports of their own, so a test may freeze,
// kill and restart them. The shared stack (5432/6379/9092/27017) is never touched: every command
// here runs with SG_STACK_DIR and SG_*_PORT pointing at the private one. The launcher's caches
// (Kafka jars, FerretDB build in ~/.cache/shopgraph) are shared.
//
// The launcher is driven through its CLI (`node infra/stack/stack.mjs up|down <server>`) rather than
// its ESM exports: test files run inside jest's vm context, where a dynamic import() of an .mjs
// module is not available without --experimental-vm-modules.
//
// Which servers there are, the port variables each reads and the env they give the apps come from
// the launcher (`stack.mjs describe` and `env`), so a server added to infra/stack/servers/ is part of
// the private stack too, on a private port, without a change here.

/** A server of the launcher (infra/stack/servers/index.mjs); the four below are always there. */
export type FaultServer = 'postgres' | 'redis' | 'kafka' | 'mongo' | (string & {});
/** The servers every fault test may rely on; `stack.servers` lists every server the private stack runs. */
export const FAULT_SERVERS: readonly FaultServer[] = ['postgres', 'redis', 'kafka', 'mongo'];

/** Connection settings of the private stack, named as the services read them (`stack.mjs env`). */
export interface FaultStackEnv {
  PG_URL: string;
  REDIS_URL: string;
  KAFKA_BROKERS: string;
  MONGO_URL: string;
  [name: string]: string;
}

/** Private ports by the launcher's port key (`stack.mjs describe`). */
export interface FaultStackPorts {
  postgres: number;
  redis: number;
  kafka: number;
  kafkaController: number;
  mongo: number;
  /** Kafka's PROXIED listener and the port it advertises there (Toxiproxy's kafka proxy listens on it); absent in a stack started before they existed. */
  kafkaProxied?: number;
  kafkaViaProxy?: number;
  [key: string]: number | undefined;
}

/** One server as `stack.mjs describe` reports it. */
interface LauncherServer {
  name: string;
  ports: { key: string; env: string; default: number | null }[];
}

/** What identifies a running private stack (serialisable: passed from the global setup to the test files). */
export interface FaultStackInfo {
  dataDir: string;
  /** Every server of the launcher, in its order. */
  servers: FaultServer[];
  ports: FaultStackPorts;
  /** The launcher's port variables with their private values (SG_PG_PORT=25432, …). */
  portEnv: Record<string, string>;
  env: FaultStackEnv;
  /** true: down() leaves the servers running and the dir in place (SG_FAULT_KEEP_STACK=1, for iterating on a test). */
  keep: boolean;
}

export interface FaultStack extends FaultStackInfo {
  /** The server's live processes (for postgres: the postmaster first, then its children). */
  pids(server: FaultServer): number[];
  /** Freezes the server (SIGSTOP to every process of it): it keeps its sockets but answers nothing. */
  pause(server: FaultServer): Promise<void>;
  /** Thaws a paused server (SIGCONT). */
  resume(server: FaultServer): Promise<void>;
  /** Thaws every server (safe to call in afterEach whatever a test left frozen). */
  resumeAll(): Promise<void>;
  /** Abrupt end (SIGKILL to every process of it): nothing is flushed or closed cleanly. */
  kill(server: FaultServer): Promise<void>;
  /** Graceful stop through the launcher (PostgreSQL: fast shutdown; Kafka: controlled shutdown). */
  stop(server: FaultServer): Promise<void>;
  /** Starts the server again with its data (no-op when it already answers); resolves once it answers. */
  start(server: FaultServer): Promise<void>;
  /** stop() then start(). */
  restart(server: FaultServer): Promise<void>;
  /** Whether the server answers its probe right now (the launcher's `status`). */
  answering(server: FaultServer): Promise<boolean>;
  /** Stops every server and deletes the temp dir (unless `keep`). */
  down(): Promise<void>;
}

/** The repository root (faults/src or faults/dist -> ..). */
export const REPO_ROOT = path.resolve(__dirname, '../..');
const STACK_CLI = path.join(REPO_ROOT, 'infra/stack/stack.mjs');
const INFO_FILE = 'fault-stack.json';
/** Where private stacks live (one dir each, named DIR_PREFIX…). */
const TMP_ROOT = '/var/tmp';
const DIR_PREFIX = 'shopgraph-faults-';
/** The env var the global setup passes the stack to the test files in. */
export const FAULT_STACK_ENV_VAR = 'SG_FAULT_STACK';

/**
 * Where the shops' service logs of the last run are kept once its stack dir is deleted
 * (faults/.fault-logs/<suite>/<shop id>/<service>.log): a failure seen in a run can be read after
 * it. Each suite (SG_FAULT_SUITE: fault, scale, or a lane of the fault suite) replaces its own.
 */
export const KEPT_LOGS_DIR = path.join(__dirname, '..', '.fault-logs');

function keepShopLogs(dataDir: string): void {
  const shops = path.join(dataDir, 'shops');
  if (!existsSync(shops)) return;
  const into = path.join(KEPT_LOGS_DIR, process.env.SG_FAULT_SUITE ?? 'fault');
  try {
    rmSync(into, { recursive: true, force: true });
    mkdirSync(into, { recursive: true });
    cpSync(shops, into, { recursive: true });
  } catch (error) {
    console.warn(`[faults] could not keep the shops' logs: ${(error as Error).message}`);
  }
}

/**
 * Ports tried first (documented in README); a server without an entry here tries its default port
 * + 20000. Any that is taken, or held by another live private stack, is replaced by a free one below
 * the kernel's ephemeral range (see pickPort).
 */
export const PREFERRED_PORTS: FaultStackPorts = { postgres: 25432, redis: 26379, kafka: 29092, kafkaController: 29093, mongo: 28017 };

/**
 * Where private ports come from: below Linux's ephemeral range (32768-60999), which the OS hands out
 * to every outgoing connection and every listen(0). A server of ours that a test stops keeps its port
 * only as long as nothing else binds it meanwhile: a port in the ephemeral range could be taken by
 * any client's connection or by another run's free-port pick during the outage, and the server
 * could not listen again.
 */
export const PRIVATE_PORT_RANGE = { from: 20000, to: 32767 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves true when `port` can be listened on at 127.0.0.1 right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port that is free right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Ports held by other private stacks that are alive (fault and scale suites run side by side, and
 * each may have a server stopped right now, its port unbound): read from their info files, which
 * are written under the start lock before their servers start.
 */
function portsOfOtherStacks(): Set<number> {
  const held = new Set<number>();
  let entries: string[] = [];
  try {
    entries = readdirSync(TMP_ROOT).filter((e) => e.startsWith(DIR_PREFIX));
  } catch {
    return held;
  }
  for (const entry of entries) {
    try {
      const info = JSON.parse(readFileSync(path.join(TMP_ROOT, entry, INFO_FILE), 'utf8')) as FaultStackInfo & { owner?: number };
      if (!info.keep && (!info.owner || !processAlive(info.owner))) continue;
      for (const port of Object.values(info.ports ?? {})) if (typeof port === 'number') held.add(port);
      for (const value of Object.values(info.portEnv ?? {})) for (const part of value.split(':')) if (/^\d+$/.test(part)) held.add(Number(part));
    } catch {
      // not a stack dir of ours, or being created right now
    }
  }
  return held;
}

/**
 * `preferred` when it is in the private range, not excluded and free; otherwise a free port of the
 * private range that is not excluded (tried from a random start, so two pickers rarely race).
 */
async function pickPort(preferred: number, exclude: Set<number>): Promise<number> {
  const { from, to } = PRIVATE_PORT_RANGE;
  if (preferred >= from && preferred <= to && !exclude.has(preferred) && (await portFree(preferred))) return preferred;
  const span = to - from + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = from + ((start + i) % span);
    if (!exclude.has(port) && (await portFree(port))) return port;
  }
  throw new Error(`fault stack: no free port in ${from}-${to}`);
}

/** A private port for every port the launcher's servers declare. */
async function pickPorts(servers: LauncherServer[], exclude: Set<number>): Promise<Pick<FaultStackInfo, 'ports' | 'portEnv'>> {
  const ports: Record<string, number> = {};
  const portEnv: Record<string, string> = {};
  for (const spec of servers.flatMap((s) => s.ports)) {
    const preferred = PREFERRED_PORTS[spec.key] ?? (spec.default !== null ? spec.default + 20000 : 0);
    const port = await pickPort(preferred, exclude);
    exclude.add(port);
    ports[spec.key] = port;
    portEnv[spec.env] = String(port);
  }
  return { ports: ports as FaultStackPorts, portEnv };
}

/** Parses KEY=VALUE lines (the launcher's `env`). */
function parseEnv(out: string): FaultStackEnv {
  const env: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  for (const name of ['PG_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'MONGO_URL']) {
    if (!env[name]) throw new Error(`fault stack: the launcher's env has no ${name}:\n${out}`);
  }
  return env as FaultStackEnv;
}

/**
 * Makes a new broker ready for consumer groups: the first group join creates __consumer_offsets and
 * its coordinator answers "loading" for a while; six services joining at once on a fresh broker
 * could each run out of their start-up deadline. One throwaway group joins first and waits it out.
 */
export async function warmUpKafka(brokers: string, timeoutMs = 90_000): Promise<void> {
  const kafka = new Kafka({ clientId: 'faults-warmup', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const topic = 'faults.warmup';
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId: `faults-warmup-${Date.now()}`, retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 2000 } });
  try {
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`fault stack: no consumer group could join on ${brokers} within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([joined, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/** Runs the launcher's CLI against the private stack; rejects with its output when it fails. */
function stackCli(info: Pick<FaultStackInfo, 'dataDir' | 'portEnv'> | null, args: string[], timeoutMs = 10 * 60_000): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Never inherit the shared stack's settings: `describe` (info null) reports the defaults.
  for (const name of Object.keys(env)) if (/^SG_.*_PORT$/.test(name) || name === 'SG_STACK_DIR') delete env[name];
  if (info) Object.assign(env, info.portEnv, { SG_STACK_DIR: info.dataDir, SG_KAFKA_HEAP: process.env.SG_FAULT_KAFKA_HEAP ?? '512m' });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STACK_CLI, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`fault stack: \`stack.mjs ${args.join(' ')}\` failed (exit ${code}):\n${out.slice(-4000)}`));
    });
  });
}

function readPidFile(dataDir: string, server: FaultServer): number | null {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'pids', `${server}.pid`), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Direct children of `pid` (from /proc: the postmaster's backends, checkpointer, walwriter, …). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may contain spaces and parentheses: parse after the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** SIGKILLs shop children (subgraphs, gateway, sandbox) still running from their pid files under <dataDir>/shops. */
export function killShopChildren(dataDir: string): number {
  let killed = 0;
  const shops = path.join(dataDir, 'shops');
  if (!existsSync(shops)) return 0;
  for (const shop of readdirSync(shops)) {
    let files: string[] = [];
    try {
      files = readdirSync(path.join(shops, shop)).filter((f) => f.endsWith('.pid'));
    } catch {
      continue;
    }
    for (const file of files) {
      try {
        const pid = Number(readFileSync(path.join(shops, shop, file), 'utf8').trim());
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (!cmd.includes('node')) continue; // pid reused by something else
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
        killed += 1;
      } catch {
        // gone
      }
    }
  }
  return killed;
}

/** A handle on a private stack described by `info` (started by startFaultStack, possibly in another process). */
export function attachFaultStack(given: FaultStackInfo): FaultStack {
  // An info file written before servers/portEnv existed (a stack left by an older run) names the four servers.
  const info: FaultStackInfo = {
    ...given,
    servers: given.servers ?? [...FAULT_SERVERS],
    portEnv: given.portEnv ?? {
      SG_PG_PORT: String(given.ports.postgres),
      SG_REDIS_PORT: String(given.ports.redis),
      SG_KAFKA_PORT: String(given.ports.kafka),
      SG_KAFKA_CONTROLLER_PORT: String(given.ports.kafkaController),
      SG_MONGO_PORT: String(given.ports.mongo),
    },
  };
  const pids = (server: FaultServer): number[] => {
    const pid = readPidFile(info.dataDir, server);
    if (!pid || !processAlive(pid)) return [];
    // Signalling only the postmaster would leave its backends answering on open connections.
    return server === 'postgres' ? [pid, ...childrenOf(pid)] : [pid];
  };
  const waitGone = async (list: number[], timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (list.some(processAlive) && Date.now() < deadline) await sleep(100);
    // Until its parent reaps it, a killed process is a zombie that kill(pid, 0) still finds, and a
    // new postmaster would take the old one's socket lock file as held: wait (bounded) for the reaping.
    while (list.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() < deadline) await sleep(100);
  };
  /** Removes PostgreSQL's socket lock file when the pid in it is dead or a zombie (left by a kill). */
  const clearStalePgSocketLock = () => {
    const lock = path.join(info.dataDir, 'run', `.s.PGSQL.${info.ports.postgres}.lock`);
    try {
      const owner = Number(readFileSync(lock, 'utf8').split('\n')[0]);
      if (!processAlive(owner)) {
        rmSync(lock, { force: true });
        rmSync(lock.replace(/\.lock$/, ''), { force: true });
      }
    } catch {
      // no lock file
    }
  };
  const stack: FaultStack = {
    ...info,
    pids,
    async pause(server) {
      const list = pids(server);
      if (list.length === 0) throw new Error(`fault stack: ${server} is not running, cannot pause it`);
      signalAll(list, 'SIGSTOP');
    },
    async resume(server) {
      // Children first, then the parent, so a thawed postmaster finds its backends running.
      signalAll(pids(server).reverse(), 'SIGCONT');
    },
    async resumeAll() {
      for (const server of info.servers) await stack.resume(server);
    },
    async kill(server) {
      const list = pids(server);
      signalAll(list, 'SIGKILL');
      await waitGone(list);
    },
    async stop(server) {
      await stack.resume(server); // a frozen server cannot handle SIGTERM/SIGINT
      await stackCli(info, ['down', server]);
    },
    async start(server) {
      if (server === 'postgres') clearStalePgSocketLock();
      await stackCli(info, ['up', server]);
    },
    async restart(server) {
      await stack.stop(server);
      await stack.start(server);
    },
    async answering(server) {
      const out = await stackCli(info, ['status', server], 60_000);
      return /running \((ours|external)\)/.test(out);
    },
    async down() {
      killShopChildren(info.dataDir);
      await stack.resumeAll();
      if (info.keep) return;
      await stackCli(info, ['down']).catch((error: Error) => console.warn(error.message));
      keepShopLogs(info.dataDir);
      rmSync(info.dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

export interface StartFaultStackOptions {
  /** Keep the stack in this dir; reused (same ports) when it holds a stack already. Default: a new /var/tmp/shopgraph-faults-XXXXXX. */
  dataDir?: string;
  /** Leave it running after down() (reuse it next run with the same dataDir). */
  keep?: boolean;
  /** Print the launcher's output. */
  verbose?: boolean;
}

/** Serialises port picking and start-up between fault runs of several checkouts on one machine. */
const START_LOCK = path.join(TMP_ROOT, 'shopgraph-faults.lock');

async function withStartLock<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      writeFileSync(START_LOCK, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(START_LOCK, 'utf8').trim());
      if (!holder || !processAlive(holder)) {
        rmSync(START_LOCK, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`fault stack: ${START_LOCK} held by pid ${holder} for 10 minutes`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(START_LOCK, { force: true });
  }
}

/**
 * Stops and deletes private stacks of earlier runs whose jest process is gone (an interrupted run
 * leaves its servers running detached); kept stacks (SG_FAULT_KEEP_STACK) are left alone.
 */
async function reapAbandonedStacks(): Promise<void> {
  let entries: string[] = [];
  try {
    entries = readdirSync(TMP_ROOT).filter((e) => e.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = path.join(TMP_ROOT, entry);
    try {
      const info = JSON.parse(readFileSync(path.join(dir, INFO_FILE), 'utf8')) as FaultStackInfo & { owner?: number };
      if (info.keep || !info.owner || processAlive(info.owner)) continue;
      console.warn(`[faults] removing the private stack of an interrupted run (pid ${info.owner}): ${dir}`);
      await attachFaultStack({ ...info, dataDir: dir }).down();
    } catch {
      // not a stack dir of ours, or being created right now
    }
  }
}

/**
 * Starts the private stack (PostgreSQL initdb, Kafka, FerretDB: 10-40 s) and resolves with its
 * handle. Defaults come from SG_FAULT_STACK_DIR and SG_FAULT_KEEP_STACK=1.
 */
export async function startFaultStack(options: StartFaultStackOptions = {}): Promise<FaultStack> {
  const keep = options.keep ?? process.env.SG_FAULT_KEEP_STACK === '1';
  const fixedDir = options.dataDir ?? process.env.SG_FAULT_STACK_DIR;
  const t0 = Date.now();
  const stack = await withStartLock(async () => {
    await reapAbandonedStacks();
    let info: FaultStackInfo;
    if (fixedDir && existsSync(path.join(fixedDir, INFO_FILE))) {
      info = { ...(JSON.parse(readFileSync(path.join(fixedDir, INFO_FILE), 'utf8')) as FaultStackInfo), keep };
    } else {
      // /var/tmp, not the repo or /tmp of a sandbox: PostgreSQL runs as the postgres user and must traverse it.
      let dataDir: string;
      if (fixedDir) {
        dataDir = path.resolve(fixedDir);
        mkdirSync(dataDir, { recursive: true });
      } else {
        dataDir = mkdtempSync(path.join(TMP_ROOT, DIR_PREFIX));
      }
      chmodSync(dataDir, 0o755);
      const servers = JSON.parse(await stackCli(null, ['describe'], 60_000)) as LauncherServer[];
      // Never a port of the shared stack (the launcher's defaults) or of another live private stack.
      const exclude = portsOfOtherStacks();
      for (const spec of servers.flatMap((s) => s.ports)) if (spec.default !== null) exclude.add(spec.default);
      const { ports, portEnv } = await pickPorts(servers, exclude);
      // Kafka's second listener for network faults (infra/stack/servers/kafka.mjs SG_KAFKA_PROXIED):
      // the broker listens on kafkaProxied and advertises kafkaViaProxy, where a test's Toxiproxy
      // proxy listens and forwards to kafkaProxied; a client bootstrapping there stays behind the proxy.
      ports.kafkaProxied = await pickPort(0, exclude);
      exclude.add(ports.kafkaProxied);
      ports.kafkaViaProxy = await pickPort(0, exclude);
      portEnv.SG_KAFKA_PROXIED = `${ports.kafkaProxied}:${ports.kafkaViaProxy}`;
      const env = parseEnv(await stackCli({ dataDir, portEnv }, ['env'], 60_000));
      info = { dataDir, servers: servers.map((s) => s.name), ports, portEnv, env, keep };
    }
    // owner: the process whose exit makes this stack abandoned (see reapAbandonedStacks)
    writeFileSync(path.join(info.dataDir, INFO_FILE), JSON.stringify({ ...info, owner: process.pid }, null, 2));
    const handle = attachFaultStack(info);
    await handle.resumeAll(); // a kept stack may have been left frozen by an interrupted run
    try {
      const out = await stackCli(info, ['up']);
      if (options.verbose) process.stdout.write(out);
      // A server the launcher found answering on our port belongs to someone else: we could not freeze or kill it.
      const external = info.servers.filter((server) => new RegExp(`^\\s*${server}\\s+external`, 'm').test(out));
      if (external.length > 0) throw new Error(`fault stack: ${external.join(', ')} answered on the private ports before we started them (another stack?): ${JSON.stringify(info.ports)}`);
      const tWarm = Date.now();
      await warmUpKafka(info.env.KAFKA_BROKERS);
      if (options.verbose) console.log(`[faults] broker ready for consumer groups after ${((Date.now() - tWarm) / 1000).toFixed(1)}s`);
    } catch (error) {
      if (!keep) await handle.down().catch(() => undefined);
      throw error;
    }
    return handle;
  });
  if (options.verbose) console.log(`[faults] private stack up in ${((Date.now() - t0) / 1000).toFixed(1)}s at ${stack.dataDir}`);
  return stack;
}

/** The run's private stack, as the global setup published it in SG_FAULT_STACK. */
export function faultStack(): FaultStack {
  const raw = process.env[FAULT_STACK_ENV_VAR];
  if (!raw) throw new Error(`${FAULT_STACK_ENV_VAR} is not set: run the fault suite through its jest config (npx turbo run test:fault, or cd faults && npx jest)`);
  return attachFaultStack(JSON.parse(raw) as FaultStackInfo);
}
