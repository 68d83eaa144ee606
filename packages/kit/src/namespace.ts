import { z } from 'zod';

/**
 * Namespaces keep test runs (and any other non-live run sharing a stack) away from the live
 * shop's data. The live shop runs with an empty namespace; every test run gets its own
 * (packages/testkit). The namespace is configuration (`SG_NAMESPACE`), part of every service's
 * config, and every name a service gives to shared infrastructure goes through it:
 *
 *   Kafka topics      `<ns>.orders.v1`        (live: `orders.v1`)
 *   consumer groups   `<ns>.orders`           (live: `orders`)
 *   Redis keys        `<ns>:orders:cart:<id>` (live: `orders:cart:<id>`)
 *   databases         `<ns>_orders`           (live: `orders`) — PostgreSQL and Mongo
 *
 * Lower-case letters, digits and `_`, starting with a letter, at most 40 characters: valid in
 * all four places (PostgreSQL and Mongo database names included).
 */
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

export const namespaceConfigShape = {
  /** The run's namespace for topics, consumer groups, Redis keys and database names; empty = the live shop. */
  SG_NAMESPACE: z
    .string()
    .regex(/^([a-z][a-z0-9_]{0,39})?$/, 'lower-case letters, digits and _, starting with a letter, at most 40 characters (or empty for the live shop)')
    .default(''),
};

export interface NamespaceConfig {
  SG_NAMESPACE: string;
  NODE_ENV?: string;
}

/** The names one run gives to shared infrastructure. */
export class Namespace {
  constructor(readonly name: string) {
    if (name !== '' && !NAMESPACE_PATTERN.test(name)) throw new Error(`Invalid namespace "${name}": lower-case letters, digits and _, starting with a letter, at most 40 characters`);
  }

  /** True for the live shop's (empty) namespace. */
  get live(): boolean {
    return this.name === '';
  }

  /** A Kafka topic: `<ns>.<base>`. */
  topic(base: string): string {
    return this.live ? base : `${this.name}.${base}`;
  }

  /** A Kafka consumer group id: `<ns>.<id>`. */
  group(id: string): string {
    return this.live ? id : `${this.name}.${id}`;
  }

  /** A Redis key prefix: `<ns>:<prefix>` (the prefix keeps its own separator). */
  key(prefix: string): string {
    return this.live ? prefix : `${this.name}:${prefix}`;
  }

  /** A database name (PostgreSQL or Mongo): `<ns>_<name>`. */
  database(name: string): string {
    return this.live ? name : `${this.name}_${name}`;
  }

  /** True when a database name belongs to this namespace (every name does for the live one). */
  ownsDatabase(name: string): boolean {
    return this.live || name.startsWith(`${this.name}_`);
  }
}

export const LIVE_NAMESPACE = new Namespace('');

/** The database name of a PostgreSQL URL. */
export function databaseOfUrl(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/**
 * The namespace a service runs in, from its config, refusing a config that could reach another
 * namespace's data: with NODE_ENV=test the namespace must be set (a test never runs in the live
 * shop's), and every database the service opens (`databases`: PostgreSQL URLs or Mongo database
 * names) must carry it.
 */
export function namespaceOf(config: NamespaceConfig, databases: { postgres?: string[]; mongo?: string[] } = {}): Namespace {
  const ns = new Namespace(config.SG_NAMESPACE ?? '');
  if (config.NODE_ENV === 'test' && ns.live) {
    throw new Error('Invalid configuration:\n  SG_NAMESPACE: must be set when NODE_ENV=test (tests never share topics, groups, keys or databases with the live shop); use @shopgraph/testkit testNamespace()');
  }
  const outside = [...(databases.postgres ?? []).map(databaseOfUrl), ...(databases.mongo ?? [])].filter((db) => !ns.ownsDatabase(db));
  if (outside.length > 0) {
    throw new Error(`Invalid configuration:\n  SG_NAMESPACE: database(s) ${outside.map((d) => `"${d}"`).join(', ')} outside namespace "${ns.name}" (names must start with "${ns.name}_")`);
  }
  return ns;
}
