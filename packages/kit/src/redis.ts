import { Redis, type RedisOptions } from 'ioredis';
import type { DatastoreConfig } from './config';
import type { Logger } from './logger';

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
  /** Where connection errors go (at most one line per distinct error every 30 s). */
  log?: Logger;
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
  // without a listener would crash the process. Reconnecting repeats them: log each kind sparingly.
  const logged = new Map<string, number>();
  client.on('error', (error: Error) => {
    const now = Date.now();
    if (!options.log || (logged.get(error.message) ?? 0) > now - 30_000) return;
    logged.set(error.message, now);
    options.log.warn({ err: error }, 'redis connection error');
  });
  return client;
}

