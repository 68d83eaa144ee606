import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { INTERNAL_TOKEN_HEADER, signInternalToken, type Viewer } from '@shopgraph/kit';

/** Connection settings of the local stack (infra/stack), overridable like the services' own. */
export const stackEnv = {
  pgUrl: process.env.PG_URL ?? 'postgres://shopgraph:shopgraph@127.0.0.1:5432',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  mongoUrl: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017',
};

export const TEST_INTERNAL_SECRET = 'shopgraph-test-internal-token-secret';

/** A unique, lowercase id for names that tests must not share (databases, topics, emails). */
export function uniqueId(prefix = 't'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/**
 * Creates an empty PostgreSQL database for one test file and returns its URL and a `drop`
 * to call in afterAll. Each test file gets its own, so files run in parallel safely.
 */
export async function createTestDatabase(prefix: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = uniqueId(prefix).toLowerCase();
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
export async function internalHeaders(subgraph: string, viewer: Viewer | null, secret = TEST_INTERNAL_SECRET): Promise<Record<string, string>> {
  return { [INTERNAL_TOKEN_HEADER]: await signInternalToken(secret, subgraph, viewer) };
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
