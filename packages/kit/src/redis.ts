import { Redis, type RedisOptions } from 'ioredis';
import type { Registry } from 'prom-client';
import type { DatastoreConfig } from './config';
import type { Logger } from './logger';
import { ConnectionState, watchRedis } from './connection-metrics';

/** Deadlines and reconnect behaviour of a kit Redis client (defaults: the config defaults). */
export interface RedisClientOptions {
  /** TCP connect of each (re)connection. Default 1000. */
  connectTimeoutMs?: number;
  /** Every command rejects ("Command timed out") after this long. Default 250. */
  commandTimeoutMs?: number;
  /** A connection that sent a command and received nothing for this long is dropped and reopened. Default 3000. */
  socketTimeoutMs?: number;
  /** Longest pause between reconnection attempts (exponential from 50 ms). Default 2000. */
  maxReconnectDelayMs?: number;
  /** Don't connect until `connect()` (default true, so startup can await it and fail clearly; it resolves once ready). */
  lazyConnect?: boolean;
  /** Where the connection's outages go: one warning when it is lost, one info line when it is back (retries at debug). */
  log?: Logger;
  /** Registry for `datastore_connected{store="redis",client}` and `datastore_reconnects_total` (connection-metrics.ts). */
  metrics?: Registry;
  /** The `client` label (default "main"). */
  clientName?: string;
  /** Anything else ioredis takes (overrides the above). */
  extra?: RedisOptions;
}

/** The Redis deadlines of a service's config, as createRedis options. */
export function redisDeadlines(config: Pick<DatastoreConfig, 'REDIS_CONNECT_TIMEOUT_MS' | 'REDIS_COMMAND_TIMEOUT_MS' | 'REDIS_SOCKET_TIMEOUT_MS'>): RedisClientOptions {
  return {
    connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    socketTimeoutMs: config.REDIS_SOCKET_TIMEOUT_MS,
  };
}

const states = new WeakMap<Redis, ConnectionState>();

/** The connectivity of a client made by createRedis (connected, reconnects, downForMs). */
export function redisConnectionState(client: Redis): ConnectionState | undefined {
  return states.get(client);
}

/** Reconnection delays: 100, 200, 400 … ms, capped. */
export function reconnectDelay(attempt: number, capMs = 2000): number {
  return Math.min(50 * 2 ** Math.max(1, Math.min(attempt, 16)), capMs);
}

/**
 * An ioredis client whose every call has a deadline: commands time out (commandTimeout), a
 * silent connection is dropped (socketTimeout), commands are not queued while disconnected
 * (enableOfflineQueue false: they fail at once), nothing is re-sent after a reconnection (a
 * timed-out write that did land must not be applied twice), and reconnection backs off
 * exponentially up to a cap, forever. Errors of these kinds map to SERVICE_UNAVAILABLE (maskErrors).
 */
export function createRedis(url: string, options: RedisClientOptions = {}): Redis {
  const cap = options.maxReconnectDelayMs ?? 2000;
  const client = new Redis(url, {
    lazyConnect: options.lazyConnect ?? true,
    connectTimeout: options.connectTimeoutMs ?? 1000,
    commandTimeout: options.commandTimeoutMs ?? 250,
    socketTimeout: options.socketTimeoutMs ?? 3000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    keepAlive: 10_000,
    retryStrategy: (attempt) => reconnectDelay(attempt, cap),
    ...options.extra,
  });
  // Connection errors also surface through the failing commands and readiness; an 'error' event
  // without a listener would crash the process. The outage is logged once when the connection is
  // lost and once when it is back (watchRedis), not once per reconnection attempt.
  client.on('error', () => undefined);
  states.set(client, watchRedis(client, new ConnectionState({ store: 'redis', client: options.clientName ?? 'main', metrics: options.metrics, log: options.log })));
  return client;
}

