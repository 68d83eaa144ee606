import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import Redis from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { Client, Pool } from 'pg';
import { demoProducts } from '@shopgraph/demo-data';
import type { GraphQLResponse } from '@shopgraph/testkit';
// The constant alone: importing testkit's index at run time loads the kit (express…), which the
// storefront's Playwright loader cannot load (ERR_VM_MODULE_LINK_FAILURE).
import { CONTENDED_DEADLINES_ENV, CONTENDED_GATEWAY_ENV } from '@shopgraph/testkit/dist/deadlines';
import { freePort, REPO_ROOT, type FaultStack } from './stack';
import { startRoundRobin, type RoundRobin } from './round-robin';

// The whole shop as REAL CHILD PROCESSES on the private fault stack: every subgraph that declares
// itself in its package.json (`node subgraphs/<name>/dist/index.js`; its datastores from the
// declaration, scripts/subgraph-registry.cjs), the payment provider sandbox and the gateway, each on a
// free port with its output in a log file under the stack dir. Every shop is namespaced: its own
// PostgreSQL and Mongo databases, Kafka topic prefix and consumer groups, Redis database and cart
// prefix; so shops of different test files never see each other's data.

/** A subgraph's declaration (the "shopgraph" block of subgraphs/<name>/package.json). */
export interface SubgraphDeclaration {
  name: string;
  dir: string;
  port: number;
  postgres: string | null;
  mongo: string | null;
  redis: boolean;
  kafka: 'consumer' | 'producer' | null;
}
// The registry is plain CommonJS shared with the root scripts and the stack launcher (outside this
// workspace's rootDir, so loaded at run time rather than imported).
const registry = require(path.join(REPO_ROOT, 'scripts/subgraph-registry.cjs')) as { readSubgraphs(root?: string): SubgraphDeclaration[] };
/** The declared subgraphs, in port order. */
export const SUBGRAPH_DECLARATIONS: readonly SubgraphDeclaration[] = registry.readSubgraphs(REPO_ROOT);

/** Subgraphs the tests name; any other declared subgraph is part of the shop too. */
export type SubgraphName = 'users' | 'products' | 'inventory' | 'orders' | 'payments' | 'reviews' | (string & {});
export type ServiceName = SubgraphName | 'gateway' | 'sandbox';
export const SUBGRAPHS: readonly SubgraphName[] = SUBGRAPH_DECLARATIONS.map((s) => s.name);
/** Subgraphs on PostgreSQL (sql() works for them) and on the Mongo-wire server (mongo()). */
export const PG_SUBGRAPHS: readonly SubgraphName[] = SUBGRAPH_DECLARATIONS.filter((s) => s.postgres).map((s) => s.name);
export const MONGO_SUBGRAPHS: readonly SubgraphName[] = SUBGRAPH_DECLARATIONS.filter((s) => s.mongo).map((s) => s.name);
export type PgSubgraph = SubgraphName;
export type MongoSubgraph = SubgraphName;
const declaration = (name: string): SubgraphDeclaration => {
  const found = SUBGRAPH_DECLARATIONS.find((s) => s.name === name);
  if (!found) throw new Error(`fault shop: no subgraph "${name}" is declared (subgraphs/${name}/package.json "shopgraph")`);
  return found;
};

type Env = Record<string, string>;

/** One child process of the shop. Its port, databases and consumer group survive restarts. */
export interface ProcService {
  readonly name: ServiceName;
  /** Base URL (http://127.0.0.1:<port>); GraphQL is at `${url}/graphql`. */
  readonly url: string;
  readonly port: number;
  /** Where /metrics and the detailed /health/* answer: the gateway's admin port (ADMIN_PORT), else `url`. */
  readonly adminUrl: string;
  /** The environment it runs with now (DATABASE_URL, KAFKA_GROUP_ID, …). */
  readonly env: Env;
  readonly logFile: string;
  /** The running process's pid (null when not running). */
  readonly pid: number | null;
  running(): boolean;
  /** Freezes the process (SIGSTOP). */
  pause(): void;
  /** Thaws it (SIGCONT). */
  resume(): void;
  /** Abrupt end (SIGKILL); resolves once it exited. */
  kill(): Promise<void>;
  /** Graceful stop (SIGTERM, SIGKILL after 20 s); resolves once it exited. */
  stop(): Promise<void>;
  /** Starts it again (same port, databases, group); `env` goes over its base environment. Resolves once ready. */
  start(env?: Env): Promise<void>;
  restart(env?: Env): Promise<void>;
  /** GET /health/ready on adminUrl (gateway and subgraphs; the sandbox answers /health/live). Network errors reject. */
  ready(): Promise<{ status: number; body: any }>;
  /** GET /health/live on adminUrl. Network errors reject. */
  live(): Promise<{ status: number; body: any }>;
  /** The Prometheus text of /metrics on adminUrl. */
  metrics(): Promise<string>;
  /** The last `chars` characters of its log file. */
  logTail(chars?: number): string;
}

export interface FaultShopOptions {
  /** Environment per service over the harness's own, e.g. `{ orders: { RESERVATION_TIMEOUT_SECONDS: '60' } }`. */
  env?: Partial<Record<ServiceName, Env>>;
  /** LOG_LEVEL of the children (their log files); default 'warn'. */
  logLevel?: string;
  /**
   * Store deadlines fit for a busy test machine (testkit's CONTENDED_DEADLINES_ENV) instead of the
   * kit's production defaults, for files whose faults are not about a store's deadline (the broker
   * pause or outage): beside the workspace tests a healthy Redis or pool can miss a 250 ms or 1 s
   * deadline for want of CPU; the gateway waits for a subgraph as long as testkit's
   * CONTENDED_GATEWAY_ENV says. Default false: frozen stores, restarts and kills see the real deadlines.
   */
  contendedDeadlines?: boolean;
  /** Wait until every demo product is in stock and orderable before resolving (default true). */
  waitForCatalog?: boolean;
  /**
   * Replicas per service (default 1), e.g. `{ orders: 2, inventory: 2, payments: 2, gateway: 2 }`:
   * each on its own port with the same databases, consumer group and namespace, as two pods would
   * run. The gateway reaches a subgraph with several replicas through a round-robin proxy on one
   * port (src/round-robin.ts: a Kubernetes Service's shape); gateway replicas are separate entry
   * points (`replicas.gateway[i].url`), each with its own order-feed group as in production.
   */
  replicas?: Partial<Record<ServiceName, number>>;
}

export interface SandboxCharge {
  id: string;
  status: string;
  amount: number;
  amount_refunded: number;
  refunded: boolean;
  currency: string;
  idempotency_key: string;
  metadata: Record<string, string>;
}
export interface SandboxRefund {
  id: string;
  charge: string;
  amount: number;
  currency: string;
  idempotency_key: string;
}

export interface PlaceOrderOptions {
  items?: { productId: string; quantity: number }[];
  paymentToken?: string;
  idempotencyKey?: string;
}

export interface OrderView {
  id: string;
  status: string;
  cancellationReason: string | null;
  version: number;
  total: { amount: number; currency: string };
  history: { status: string; reason: string | null }[];
}

export interface FaultShop {
  /** This shop's namespace (SG_NAMESPACE of every child: databases `<id>_<name>`, topics `<id>.<base>`, groups, Redis keys). */
  readonly id: string;
  readonly gatewayUrl: string;
  readonly sandboxUrl: string;
  readonly topicPrefix: string;
  readonly redisDb: number;
  readonly services: Record<ServiceName, ProcService>;
  readonly stack: FaultStack;
  /** Calls the gateway as a client would (optional bearer token). */
  call(query: string, variables?: Record<string, unknown>, token?: string, timeoutMs?: number): Promise<GraphQLResponse>;
  /** Signs in through the gateway; resolves with the access token. */
  login(email: string, password: string): Promise<string>;
  /** Runs SQL on the subgraph's own database (a fresh connection per call, 10 s deadline). */
  sql<R = Record<string, any>>(subgraph: PgSubgraph, text: string, params?: unknown[]): Promise<R[]>;
  /** Connection URL of the subgraph's own PostgreSQL database (for a test's own long-lived client: locks, transactions). */
  pgUrl(subgraph: PgSubgraph): string;
  /** The subgraph's Mongo database (one client per shop, closed by stop()). */
  mongo(subgraph: MongoSubgraph): Promise<Db>;
  /** A Redis client on this shop's Redis database (closed by stop()). */
  redis(): Redis;
  /** The payment provider's records (from the sandbox process's HTTP API). */
  sandbox: {
    charges(orderId?: string): Promise<SandboxCharge[]>;
    refunds(chargeId?: string): Promise<SandboxRefund[]>;
    setMode(mode: { mode: 'normal' } | { mode: 'fail' } | { mode: 'slow'; delayMs: number }): Promise<void>;
  };
  /** Places an order through the GraphQL API (tok_visa, a test address, a fresh idempotency key); resolves with it as placed (PENDING). */
  placeOrder(token: string, options?: PlaceOrderOptions): Promise<OrderView>;
  /** The raw placeOrder response (for asserting errors). */
  placeOrderRaw(token: string, options?: PlaceOrderOptions): Promise<GraphQLResponse>;
  /** The order as ADMIN sees it (null when unknown); throws on a GraphQL error. */
  order(orderId: string): Promise<OrderView | null>;
  /** Polls until the order is CONFIRMED or CANCELLED (bounded); resolves with it. */
  orderToFinal(orderId: string, timeoutMs?: number): Promise<OrderView>;
  /** An ADMIN access token (cached). */
  adminToken(): Promise<string>;
  /** Waits until orders can price `productId` (its replica learned it over Kafka). */
  waitUntilOrderable(productId: string, timeoutMs?: number): Promise<void>;
  /** Every replica of each service, started or killed (`replicas.orders[0] === services.orders`). */
  readonly replicas: Record<ServiceName, ProcService[]>;
  /** The round-robin proxy in front of a subgraph's replicas (only for a subgraph started with more than one). */
  readonly balancers: Partial<Record<SubgraphName, RoundRobin>>;
  /** Starts a fresh replica of `name` on a new port (same databases and group), registered with its round-robin once ready. */
  addReplica(name: ServiceName, env?: Env): Promise<ProcService>;
  /** Stops every child (gracefully, gateway first), closes the assertion clients, drops the shop's databases. */
  stop(): Promise<void>;
}

export const DEMO_ADMIN = { email: 'admin@shopgraph.local', password: 'Admin123!shop' };
export const DEMO_CUSTOMER = { email: 'alice@shopgraph.local', password: 'Customer123!' };
export const FINAL_STATUSES = new Set(['CONFIRMED', 'CANCELLED']);
export const ORDER_FIELDS = 'id status cancellationReason version total { amount currency } history { status reason }';
const TEST_ADDRESS = { recipient: 'Alice Martin', line1: '1 Test Street', city: 'London', postalCode: 'N1 1AA', country: 'GB' };
const INTERNAL_SECRET = 'shopgraph-fault-suite-internal-token-secret';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long a child may take to answer ready after it was started. */
const START_TIMEOUT_MS = 180_000;

function tailOf(file: string, chars = 3000): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '(no log)';
  }
}

/**
 * A port free right now for a child to listen on later, below the kernel's ephemeral range (32768+
 * here): a port the OS hands out for port 0 is one it also gives outgoing connections, and the
 * seeding between picking and listening opens many (a child once failed to start with EADDRINUSE).
 * 12000-19999: below the private stacks' range (PRIVATE_PORT_RANGE), so a shop never takes the port
 * of a server a test has stopped for a while. Jaeger's default UI port is skipped.
 */
async function servicePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 12000 + Math.floor(Math.random() * 8000);
    if (port === 16686) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  return freePort();
}

/** The next Redis database number (1..15) for a shop of this stack run; db 0 is left alone. */
function nextRedisDb(stack: FaultStack): number {
  const file = path.join(stack.dataDir, 'shop-counter');
  const n = existsSync(file) ? Number(readFileSync(file, 'utf8')) || 0 : 0;
  writeFileSync(file, String(n + 1));
  return (n % 15) + 1;
}

/** Children of every shop in this process: SIGKILLed if the process exits without stopping them. */
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of liveChildren) {
    try {
      proc.kill('SIGKILL');
    } catch {
      // gone
    }
  }
});

interface ProcSpec {
  name: ServiceName;
  cwd: string;
  entry: string;
  /** The path answering 200 once it is ready. */
  readyPath: string;
}

function procService(spec: ProcSpec, port: number, baseEnv: Env, logFile: string, adminPort = port): ProcService {
  const url = `http://127.0.0.1:${port}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const getJson = async (pathname: string) => {
    const res = await fetch(adminUrl + pathname, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body };
  };
  let child: ChildProcess | null = null;
  let env: Env = { ...baseEnv };
  const exited = (proc: ChildProcess) =>
    new Promise<void>((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve())));
  const end = async (signal: NodeJS.Signals, graceMs: number) => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    try {
      proc.kill('SIGCONT'); // a frozen process cannot act on SIGTERM
    } catch {
      // gone
    }
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited(proc);
    clearTimeout(timer);
  };
  const probe = async (): Promise<boolean> => {
    try {
      const res = await fetch(url + spec.readyPath, { signal: AbortSignal.timeout(3000) });
      return res.ok;
    } catch {
      return false;
    }
  };
  const service: ProcService = {
    name: spec.name,
    url,
    port,
    adminUrl,
    logFile,
    get env() {
      return env;
    },
    get pid() {
      return child?.pid ?? null;
    },
    running: () => child !== null && child.exitCode === null && child.signalCode === null,
    pause() {
      if (!child?.pid) throw new Error(`${spec.name} is not running`);
      process.kill(child.pid, 'SIGSTOP');
    },
    resume() {
      try {
        if (child?.pid) process.kill(child.pid, 'SIGCONT');
      } catch {
        // it exited meanwhile (running() says so)
      }
    },
    kill: () => end('SIGKILL', 0),
    stop: () => end('SIGTERM', 20_000),
    async start(overrides = {}) {
      if (service.running()) throw new Error(`${spec.name} is already running`);
      env = { ...baseEnv, ...overrides, PORT: String(port) };
      const log = createWriteStream(logFile, { flags: 'a' });
      log.write(`\n==== ${new Date().toISOString()} start ${spec.name} on :${port}\n`);
      const proc = spawn(process.execPath, [spec.entry], {
        cwd: spec.cwd,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      proc.stdout!.pipe(log, { end: false });
      proc.stderr!.pipe(log, { end: false });
      // The pid file lets the stack's down() (or the next run, after an interrupted one) end a child
      // that no shop.stop() ended; the exit hook ends them when this process exits.
      const pidFile = `${logFile.replace(/\.log$/, '')}.pid`;
      writeFileSync(pidFile, `${proc.pid}\n`);
      liveChildren.add(proc);
      proc.once('exit', (code, signal) => {
        liveChildren.delete(proc);
        rmSync(pidFile, { force: true });
        log.end(`==== exited (${code ?? signal})\n`);
      });
      child = proc;
      // Generous: with the machine loaded (other suites, a broker just restarted) a consumer group's
      // first join alone has taken over a minute.
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (!(await probe())) {
        if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline) {
          const why = proc.exitCode !== null || proc.signalCode !== null ? `exited (${proc.exitCode ?? proc.signalCode})` : `not ready after ${START_TIMEOUT_MS / 1000} s`;
          await end('SIGKILL', 0);
          await sleep(100); // let the log stream flush
          throw new Error(`${spec.name} ${why} during start; log ${logFile}:\n${tailOf(logFile)}`);
        }
        await sleep(200);
      }
    },
    async restart(overrides) {
      await service.stop();
      await service.start(overrides);
    },
    ready: () => getJson(spec.name === 'sandbox' ? '/health/live' : '/health/ready'),
    live: () => getJson('/health/live'),
    async metrics() {
      const res = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
      return res.text();
    },
    logTail: (chars) => tailOf(logFile, chars),
  };
  return service;
}

/** Runs `node <script>` with `env` to completion; rejects with its output when it fails. */
function runScript(script: string, env: Env, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [script], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} failed (exit ${code}):\n${out.slice(-3000)}`))));
  });
}

/**
 * Starts a whole shop on the private stack: creates its databases, seeds the demo data with the
 * subgraphs' own seed scripts, starts the sandbox, the six subgraphs and the gateway as child
 * processes, and (by default) waits until every demo product is in stock and orderable. About
 * 20-40 s on two cores.
 */
export async function startFaultShop(stack: FaultStack, options: FaultShopOptions = {}): Promise<FaultShop> {
  const id = `f${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const t0 = Date.now();
  const timings: string[] = [];
  const lap = (what: string, since: number) => timings.push(`${what} ${((Date.now() - since) / 1000).toFixed(1)}s`);
  const dir = path.join(stack.dataDir, 'shops', id);
  mkdirSync(dir, { recursive: true });
  const redisDb = nextRedisDb(stack);
  const topicPrefix = `${id}.`;
  const common: Env = {
    // Whatever else the private stack offers (a server added to the launcher gives its env here);
    // REDIS_URL is replaced by the shop's own Redis database below.
    ...stack.env,
    NODE_ENV: 'test',
    LOG_LEVEL: options.logLevel ?? 'warn',
    HOST: '127.0.0.1',
    INTERNAL_TOKEN_SECRET: INTERNAL_SECRET,
    KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
    // The shop's namespace (kit: topics `<ns>.<base>`, groups, Redis keys, databases `<ns>_<name>`).
    SG_NAMESPACE: id,
  };
  const redisUrl = `${stack.env.REDIS_URL}/${redisDb}`;
  common.REDIS_URL = redisUrl;
  const dbName = (name: string) => `${id}_${name}`;
  /** The shop's PostgreSQL / Mongo database of a subgraph (its declared name in the namespace). */
  const pgDb = (name: string) => dbName(declaration(name).postgres ?? name);
  const mongoDb = (name: string) => dbName(declaration(name).mongo ?? name);
  const group = (name: string): Env => ({ KAFKA_GROUP_ID: `${id}-${name}`, KAFKA_FROM_BEGINNING: 'true' });

  const ports = {} as Record<ServiceName | 'gatewayAdmin', number>;
  const taken = new Set<number>();
  for (const name of ['sandbox', ...SUBGRAPHS, 'gateway', 'gatewayAdmin'] as const) {
    let port = await servicePort();
    while (taken.has(port)) port = await servicePort();
    taken.add(port);
    ports[name] = port;
  }
  const urlOf = (name: ServiceName) => `http://127.0.0.1:${ports[name]}`;
  const newPort = async () => {
    let port = await servicePort();
    while (taken.has(port)) port = await servicePort();
    taken.add(port);
    return port;
  };
  // Replicas (options.replicas): a subgraph with more than one is reached through a round-robin on a port of its own.
  const replicaCount = (name: ServiceName) => Math.max(1, Math.floor(options.replicas?.[name] ?? 1));
  const routePorts: Partial<Record<SubgraphName, number>> = {};
  for (const s of SUBGRAPHS) if (replicaCount(s) > 1) routePorts[s] = await newPort();
  /** Where others reach a subgraph: its round-robin when it has replicas, else the process itself. */
  const routeOf = (name: SubgraphName) => (routePorts[name] ? `http://127.0.0.1:${routePorts[name]}` : urlOf(name));

  /** A subgraph's environment from its declaration: its databases, Redis, consumer group. */
  const declaredEnv = (s: SubgraphDeclaration): Env => ({
    ...(s.postgres ? { DATABASE_URL: `${stack.env.PG_URL}/${pgDb(s.name)}` } : {}),
    ...(s.mongo ? { MONGO_URL: stack.env.MONGO_URL, MONGO_DB: mongoDb(s.name) } : {}),
    ...(s.redis ? { REDIS_URL: redisUrl } : {}),
    ...(s.kafka ? group(s.name) : {}),
  });
  /** What a declaration cannot say: where a subgraph's external parties are, and namespaced key prefixes. */
  const extra: Partial<Record<SubgraphName, Env>> = {
    orders: { CART_KEY_PREFIX: `${id}:cart` },
    payments: { PROVIDER_URL: urlOf('sandbox') },
  };
  const own: Record<ServiceName, Env> = {
    ...(Object.fromEntries(SUBGRAPH_DECLARATIONS.map((s) => [s.name, { ...declaredEnv(s), ...(extra[s.name] ?? {}) }])) as Record<SubgraphName, Env>),
    sandbox: { SANDBOX_PORT: String(ports.sandbox), SANDBOX_HOST: '127.0.0.1' },
    gateway: {
      JWKS_URL: `${routeOf('users')}/.well-known/jwks.json`,
      ADMIN_PORT: String(ports.gatewayAdmin),
      REDIS_URL: redisUrl,
      ...group('gateway'),
      ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.toUpperCase()}_SUBGRAPH_URL`, `${routeOf(s)}/graphql`])),
    },
  };
  const deadlines: Env = options.contendedDeadlines ? CONTENDED_DEADLINES_ENV : {};
  const gatewayDeadline: Env = options.contendedDeadlines ? CONTENDED_GATEWAY_ENV : {};
  const envOf = (name: ServiceName): Env => ({ ...common, ...deadlines, ...(name === 'gateway' ? gatewayDeadline : {}), ...own[name], ...(options.env?.[name] ?? {}) });

  const specs: Record<ServiceName, ProcSpec> = {
    sandbox: { name: 'sandbox', cwd: path.join(REPO_ROOT, 'tools/payment-sandbox'), entry: 'dist/index.js', readyPath: '/health/live' },
    gateway: { name: 'gateway', cwd: path.join(REPO_ROOT, 'gateway'), entry: 'dist/index.js', readyPath: '/health/ready' },
    ...(Object.fromEntries(
      SUBGRAPH_DECLARATIONS.map((s) => [s.name, { name: s.name, cwd: s.dir, entry: 'dist/index.js', readyPath: '/health/ready' }]),
    ) as Record<SubgraphName, ProcSpec>),
  };
  const services = Object.fromEntries(
    (Object.keys(specs) as ServiceName[]).map((name) => [name, procService(specs[name], ports[name], envOf(name), path.join(dir, `${name}.log`), name === 'gateway' ? ports.gatewayAdmin : ports[name])]),
  ) as Record<ServiceName, ProcService>;
  const replicas = Object.fromEntries((Object.keys(services) as ServiceName[]).map((name) => [name, [services[name]]])) as Record<ServiceName, ProcService[]>;
  const balancers: Partial<Record<SubgraphName, RoundRobin>> = {};
  /** A new replica of `name` (not started): own port (and admin port), same databases and consumer group; a gateway gets an order-feed group of its own. */
  const makeReplica = async (name: ServiceName): Promise<ProcService> => {
    const n = replicas[name].length + 1;
    const port = await newPort();
    const adminPort = name === 'gateway' ? await newPort() : port;
    const extraEnv: Env = name === 'gateway' ? { ADMIN_PORT: String(adminPort), KAFKA_GROUP_ID: `${id}-gateway-${n}` } : {};
    const replica = procService(specs[name], port, { ...envOf(name), ...extraEnv }, path.join(dir, `${name}-${n}.log`), adminPort);
    replicas[name].push(replica);
    return replica;
  };
  const addReplica = async (name: ServiceName, env?: Env): Promise<ProcService> => {
    const replica = await makeReplica(name);
    await replica.start(env);
    balancers[name]?.add(replica);
    return replica;
  };

  // assertion clients, opened lazily
  let mongoClient: MongoClient | null = null;
  const redisClients: Redis[] = [];

  const dropDatabases = async () => {
    const admin = new Client({ connectionString: `${stack.env.PG_URL}/postgres`, connectionTimeoutMillis: 5000, query_timeout: 15_000 });
    try {
      await admin.connect();
      for (const s of PG_SUBGRAPHS) await admin.query(`DROP DATABASE IF EXISTS "${pgDb(s)}" WITH (FORCE)`);
    } finally {
      await admin.end().catch(() => undefined);
    }
    const mongo = await MongoClient.connect(stack.env.MONGO_URL, { serverSelectionTimeoutMS: 5000 });
    try {
      for (const s of MONGO_SUBGRAPHS) await mongo.db(mongoDb(s)).dropDatabase();
    } finally {
      await mongo.close();
    }
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Thaw anything a test left frozen, so everything can stop and be dropped.
    await stack.resumeAll();
    for (const s of Object.values(replicas).flat()) s.resume();
    await Promise.all(replicas.gateway.map((g) => g.stop()));
    await Promise.all(SUBGRAPHS.flatMap((s) => replicas[s].map((r) => r.stop())));
    await services.sandbox.stop();
    await Promise.all(Object.values(balancers).map((b) => b!.close()));
    await mongoClient?.close().catch(() => undefined);
    for (const r of redisClients) r.disconnect();
    await dropDatabases().catch((error: Error) => console.warn(`[faults] dropping the databases of shop ${id}: ${error.message}`));
  };

  try {
    // Fresh PostgreSQL databases and Redis db for this shop.
    const admin = new Client({ connectionString: `${stack.env.PG_URL}/postgres`, connectionTimeoutMillis: 5000 });
    await admin.connect();
    try {
      for (const s of PG_SUBGRAPHS) await admin.query(`CREATE DATABASE "${pgDb(s)}"`);
    } finally {
      await admin.end();
    }
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    await redis.flushdb();
    redis.disconnect();

    // Demo data, as `npm start` seeds it (products' seed publishes its ProductCreated events itself).
    const tSeed = Date.now();
    await Promise.all(
      SUBGRAPH_DECLARATIONS.filter((s) => existsSync(path.join(s.dir, 'dist/seed.js'))).map(({ name: s }) =>
        runScript('dist/seed.js', envOf(s), specs[s].cwd).catch((error: Error) => {
          throw new Error(`seeding ${s} for fault shop ${id}: ${error.message}`);
        }),
      ),
    );

    lap('seed', tSeed);
    const tStart = Date.now();
    await services.sandbox.start();
    for (const s of Object.keys(routePorts)) balancers[s] = await startRoundRobin(routePorts[s]!);
    await Promise.all(SUBGRAPHS.map((s) => services[s].start()));
    for (const s of Object.keys(balancers)) balancers[s]!.add(services[s]);
    // Further replicas once the first of each ran its migrations.
    const more = async (name: ServiceName) => {
      while (replicas[name].length < replicaCount(name)) await addReplica(name);
    };
    await Promise.all(SUBGRAPHS.map(more));
    await services.gateway.start();
    await more('gateway');
    lap('services', tStart);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }

  const gatewayUrl = `${urlOf('gateway')}/graphql`;
  // Like testkit's gql, with a deadline: a frozen server must fail a call, not hang the test.
  const call: FaultShop['call'] = async (query, variables = {}, token, timeoutMs = 30_000) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await fetch(gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
        signal: controller.signal,
      });
      const text = await res.text();
      let body: GraphQLResponse['body'];
      try {
        body = JSON.parse(text);
      } catch {
        body = {};
      }
      return { status: res.status, body, text };
    } finally {
      clearTimeout(timer);
    }
  };

  const login = async (email: string, password: string) => {
    const res = await call('mutation($i: LoginInput!) { login(input: $i) { accessToken errors { code message } } }', { i: { email, password } });
    const token = res.body.data?.login?.accessToken;
    if (!token) throw new Error(`login failed for ${email}: ${res.text.slice(0, 500)}`);
    return token as string;
  };
  let adminTokenCache: string | null = null;
  const adminToken = async () => (adminTokenCache ??= await login(DEMO_ADMIN.email, DEMO_ADMIN.password));

  const placeOrderRaw = (token: string, o: PlaceOrderOptions = {}) =>
    call(
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { ${ORDER_FIELDS} } errors { code message } } }`,
      {
        input: {
          idempotencyKey: o.idempotencyKey ?? randomUUID(),
          ...(o.items ? { items: o.items } : {}),
          shippingAddress: TEST_ADDRESS,
          paymentToken: o.paymentToken ?? 'tok_visa',
        },
      },
      token,
    );
  const order = async (orderId: string): Promise<OrderView | null> => {
    const res = await call(`query($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`, { id: orderId }, await adminToken());
    if (res.body.errors || !res.body.data) throw new Error(`order(${orderId}) failed: ${res.text.slice(0, 500)}`);
    return res.body.data.order as OrderView | null;
  };

  const waitUntilOrderable = async (productId: string, timeoutMs = 30_000) => {
    const token = await adminToken();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await call('mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { errors { code } } }', { p: productId }, token);
      if (res.body.data?.addToCart?.errors?.length === 0) break;
      if (Date.now() > deadline) throw new Error(`orders never learned the price of ${productId}: ${res.text.slice(0, 500)}`);
      await sleep(100);
    }
    await call('mutation($p: ID!) { removeFromCart(productId: $p) { errors { code } } }', { p: productId }, token);
  };

  const shop: FaultShop = {
    id,
    gatewayUrl,
    sandboxUrl: urlOf('sandbox'),
    topicPrefix,
    redisDb,
    services,
    stack,
    call,
    login,
    pgUrl: (subgraph) => `${stack.env.PG_URL}/${pgDb(subgraph)}`,
    async sql<R = Record<string, any>>(subgraph: PgSubgraph, text: string, params: unknown[] = []): Promise<R[]> {
      const pool = new Pool({ connectionString: `${stack.env.PG_URL}/${pgDb(subgraph)}`, max: 1, connectionTimeoutMillis: 5000, query_timeout: 10_000 });
      try {
        return (await pool.query(text, params)).rows as R[];
      } finally {
        await pool.end().catch(() => undefined);
      }
    },
    async mongo(subgraph) {
      mongoClient ??= await MongoClient.connect(stack.env.MONGO_URL, { serverSelectionTimeoutMS: 10_000 });
      return mongoClient.db(mongoDb(subgraph));
    },
    redis() {
      const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      redisClients.push(client);
      return client;
    },
    sandbox: {
      async charges(orderId) {
        const q = orderId ? `?metadata_order_id=${encodeURIComponent(orderId)}` : '';
        const res = await fetch(`${urlOf('sandbox')}/v1/charges${q}`, { signal: AbortSignal.timeout(10_000) });
        return ((await res.json()) as { data: SandboxCharge[] }).data;
      },
      async refunds(chargeId) {
        const q = chargeId ? `?charge=${encodeURIComponent(chargeId)}` : '';
        const res = await fetch(`${urlOf('sandbox')}/v1/refunds${q}`, { signal: AbortSignal.timeout(10_000) });
        return ((await res.json()) as { data: SandboxRefund[] }).data;
      },
      async setMode(mode) {
        const res = await fetch(`${urlOf('sandbox')}/_sandbox/mode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(mode),
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) throw new Error(`sandbox setMode: ${res.status} ${await res.text()}`);
      },
    },
    placeOrderRaw,
    async placeOrder(token, o = {}) {
      const res = await placeOrderRaw(token, o);
      const payload = res.body.data?.placeOrder;
      if (res.body.errors || !payload) throw new Error(`placeOrder failed: ${res.text.slice(0, 800)}`);
      if (payload.errors.length > 0 || !payload.order) throw new Error(`placeOrder refused: ${JSON.stringify(payload.errors)}`);
      return payload.order as OrderView;
    },
    order,
    async orderToFinal(orderId, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last: OrderView | null = null;
      let lastError: unknown = null;
      for (;;) {
        try {
          last = await order(orderId);
          if (last && FINAL_STATUSES.has(last.status)) return last;
        } catch (error) {
          lastError = error; // the gateway or a subgraph may be down for a moment during a fault
        }
        if (Date.now() > deadline) {
          throw new Error(`order ${orderId} not final within ${timeoutMs} ms: ${JSON.stringify(last)}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
        }
        await sleep(100);
      }
    },
    adminToken,
    waitUntilOrderable,
    replicas,
    balancers,
    addReplica,
    stop,
  };

  if (options.waitForCatalog ?? true) {
    try {
      const tCatalog = Date.now();
      await waitForDemoCatalog(shop);
      lap('catalog', tCatalog);
    } catch (error) {
      await stop().catch(() => undefined);
      throw error;
    }
  }
  process.stderr.write(`[faults] shop ${id} up in ${((Date.now() - t0) / 1000).toFixed(1)}s (${timings.join(', ')}); logs in ${dir}\n`);
  return shop;
}

/** Stock arrives at inventory and prices at orders' replica through Kafka: wait for every demo product. */
async function waitForDemoCatalog(shop: FaultShop): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const res = await shop.call('{ products(first: 100, filter: { includeInactive: false }) { edges { node { id stock { onHand } } } } }');
    const stocked = new Map<string, number>(
      (res.body.data?.products?.edges ?? []).map((e: { node: { id: string; stock: { onHand: number } | null } }) => [e.node.id, e.node.stock?.onHand ?? -1]),
    );
    // A product with options shows the sum of its variants' stock (inventory keeps one row per variant).
    const expected = (p: (typeof demoProducts)[number]) => (p.variants ? p.variants.reduce((sum, v) => sum + v.initialStock, 0) : p.initialStock);
    const missing = demoProducts.filter((p) => stocked.get(p.id) !== expected(p));
    if (missing.length === 0) break;
    if (Date.now() > deadline) throw new Error(`stock of ${missing.length} demo products never showed: ${res.text.slice(0, 500)}`);
    await sleep(250);
  }
  // orders prices carts from its replica of products.v1: the last demo product is the last event.
  // A product with options is probed through its first variant (addToCart of a variant id adds that variant).
  for (const product of demoProducts.slice().reverse()) {
    await shop.waitUntilOrderable(product.variants?.[0].id ?? product.id, Math.max(1000, deadline - Date.now()));
  }
}

let uncachedListings = 0;
/**
 * A catalog listing no earlier request made (a search for a word nothing has), so products' listing
 * cache cannot answer it and the Mongo-wire server must: what a test of that server's outage asks.
 * The same listing each time would be answered from Redis while the server is down.
 */
export function uncachedListing(): string {
  return `{ products(filter: { search: "nothing${process.pid.toString(36)}x${Date.now().toString(36)}x${++uncachedListings}" }, first: 5) { edges { node { id } } } }`;
}
