import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  datastoreConfigShape,
  DEV_INTERNAL_TOKEN_PRIVATE_KEY,
  DEV_INTERNAL_TOKEN_PUBLIC_KEY,
  INTERNAL_TOKEN_HEADER,
  Namespace,
  signInternalToken,
  type InternalTokenExtras,
  type Viewer,
} from '@shopgraph/kit';

/** Connection settings of the local stack (infra/stack), overridable like the services' own. */
export const stackEnv = {
  pgUrl: process.env.PG_URL ?? 'postgres://shopgraph:shopgraph@127.0.0.1:5432',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  mongoUrl: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017',
};

/**
 * Left for existing fixtures that pass it as INTERNAL_TOKEN_SECRET: internal tokens are now
 * EdDSA-signed by the gateway, and outside production every process defaults to the repo's
 * development key pair, so this value is ignored (and refused in production).
 */
export const TEST_INTERNAL_SECRET = 'shopgraph-test-internal-token-secret';

/** Private key test callers sign internal tokens with: the development key every test process verifies with by default. */
export const TEST_INTERNAL_PRIVATE_KEY = DEV_INTERNAL_TOKEN_PRIVATE_KEY;

// A key pair made for this test process only (never in the repo), for gateways a test starts with
// NODE_ENV=production, where the development key is refused.
const ephemeral = generateKeyPairSync('ed25519');
/** Private key of a production-mode gateway in tests (this process only). */
export const TEST_PRODUCTION_INTERNAL_PRIVATE_KEY = ephemeral.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** What test subgraphs verify with: the development public key and this process's production-mode one. */
export const TEST_INTERNAL_PUBLIC_KEYS = `${DEV_INTERNAL_TOKEN_PUBLIC_KEY}\n${ephemeral.publicKey.export({ type: 'spki', format: 'pem' }).toString()}`;

/** A unique, lowercase id for names that tests must not share (databases, topics, emails). */
export function uniqueId(prefix = 't'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/**
 * The id of this test run: `SG_TEST_RUN` when the runner sets one (lower-case letters and
 * digits), else the time this test file's module registry loaded.
 */
const RUN_ID = (process.env.SG_TEST_RUN ?? Date.now().toString(36)).toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 16) || 'run';

let fileNamespace: Namespace | null = null;

/**
 * This test file's namespace, `t<run>_<random>`: jest gives each test file its own module
 * registry, so every file of every run gets its own. Every service a test starts runs in it
 * (`SG_NAMESPACE`, see `namespaceEnv()`), and so does every name a test gives to the shared stack:
 * topics (`topicsIn(testNamespace())` from @shopgraph/events), consumer groups, Redis keys and
 * databases. Services refuse NODE_ENV=test without one, so no test can reach the live shop's data.
 */
export function testNamespace(): Namespace {
  // SG_TEST_NAMESPACE: one fixed namespace for a tool that starts services in several processes (bench/).
  fileNamespace ??= new Namespace(process.env.SG_TEST_NAMESPACE || `t${RUN_ID}_${randomBytes(3).toString('hex')}`);
  return fileNamespace;
}

export { CONTENDED_DEADLINES_ENV, CONTENDED_GATEWAY_ENV } from './deadlines';
import { CONTENDED_DEADLINES_ENV } from './deadlines';

/** The kit's default value of every setting `CONTENDED_DEADLINES_ENV` raises, as env strings. */
export const KIT_DEADLINES_ENV: Record<string, string> = Object.fromEntries(
  Object.keys(CONTENDED_DEADLINES_ENV).map((key) => [key, String(datastoreConfigShape[key as keyof typeof datastoreConfigShape].parse(undefined))]),
);

/** The config entry that puts a service into this test file's namespace. */
export function namespaceEnv(): { SG_NAMESPACE: string } {
  return { SG_NAMESPACE: testNamespace().name };
}

/** A unique consumer group id in this test file's namespace. */
export function testGroupId(prefix = 'test'): string {
  return testNamespace().group(uniqueId(prefix));
}

/** A unique Redis key prefix in this test file's namespace. */
export function testKeyPrefix(prefix = 'test'): string {
  return testNamespace().key(uniqueId(prefix));
}

/** A unique database name (PostgreSQL or Mongo) in this test file's namespace: `<ns>_<prefix>_<random>`. */
export function testDatabaseName(prefix: string): string {
  return testNamespace().database(`${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_${randomBytes(3).toString('hex')}`);
}

/**
 * Creates an empty PostgreSQL database (in this test file's namespace) for one test file and
 * returns its URL and a `drop` to call in afterAll. Each test file gets its own, so files run in
 * parallel safely.
 */
export async function createTestDatabase(prefix: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = testDatabaseName(prefix);
  const admin = new Client({ connectionString: `${stackEnv.pgUrl}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  return {
    name,
    url: `${stackEnv.pgUrl}/${name}`,
    drop: async () => {
      const c = new Client({ connectionString: `${stackEnv.pgUrl}/postgres` });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  body: { data?: T; errors?: { message: string; path?: unknown[]; extensions?: Record<string, any> }[] };
  text: string;
}

/** POSTs one GraphQL operation to `url` with the given headers; returns status, parsed body and raw text. */
export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: GraphQLResponse<T>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    body = {};
  }
  return { status: res.status, body, text };
}

/** Headers a subgraph accepts: an internal token for `subgraph`, as the gateway would sign it. */
export async function internalHeaders(
  subgraph: string,
  viewer: Viewer | null,
  privateKey = TEST_INTERNAL_PRIVATE_KEY,
  extras: InternalTokenExtras = {},
): Promise<Record<string, string>> {
  return { [INTERNAL_TOKEN_HEADER]: await signInternalToken(privateKey, subgraph, viewer, 60, extras) };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
export * from './freezable-proxy';
