import type { Registry } from 'prom-client';
import type { Logger } from '@shopgraph/kit';
import { OptionalRedis } from './optional-redis';

/** The claims of a verified access token that revocation looks at. */
export interface RevocableToken {
  sub: string;
  /** Session (refresh-token family) id; users' logout revokes it. */
  sid?: string;
  /** Issued-at in ms (users' tokens carry it); else `iat` seconds. */
  iatMs: number;
}

export interface RevocationOptions {
  redisUrl: string;
  commandTimeoutMs: number;
  /** Same prefix users writes under (its namespace + `auth:revoked:`). */
  keyPrefix: string;
  /** How long an answer from Redis is reused (ms); a revocation takes effect within it. */
  cacheMs: number;
  /** Redis unavailable: `open` accepts the token (it still expires), `closed` refuses it. */
  failMode: 'open' | 'closed';
  log: Logger;
  /** Where its Redis connection is reported (datastore_connected{store="redis",client="revocation"}). */
  metrics?: Registry;
}

/** Thrown when revocation cannot be checked and the fail mode is `closed`. */
export class RevocationUnavailableError extends Error {}

/**
 * The Redis keys users writes and the gateway reads (after the run's namespace + `auth:revoked:`):
 *   `sid:<session id>` = "1"      — every access token of that session (logout, stolen refresh family);
 *   `user:<user id>`   = epoch ms — every access token of the user issued before it (role change,
 *                                   password change), later ones unaffected.
 * Each key lives as long as an access token can (ACCESS_TOKEN_TTL_SECONDS), then expires.
 */
export const revocationKeys = {
  session: (prefix: string, sid: string) => `${prefix}sid:${sid}`,
  user: (prefix: string, userId: string) => `${prefix}user:${userId}`,
};

/**
 * Whether an access token was revoked by users (logout: its session; role change: every token
 * of the user issued before it), read from the Redis keys users writes. Answers are cached per
 * user and session for `cacheMs` (≤ 2 s), so a revocation takes effect within that at every
 * replica, and Redis sees at most one read per signed-in client and interval.
 */
export class RevocationList {
  private readonly redis: OptionalRedis;
  private readonly cache = new Map<string, { at: number; userBefore: number; sessionRevoked: boolean }>();

  constructor(private readonly options: RevocationOptions) {
    this.redis = new OptionalRedis(options.redisUrl, options.commandTimeoutMs, (error) =>
      options.log.warn({ err: error, failMode: options.failMode }, 'token revocation cannot be checked (Redis)'),
      { metrics: options.metrics, client: 'revocation' },
    );
  }

  async start(): Promise<void> {
    await this.redis.start();
  }

  async stop(): Promise<void> {
    this.redis.stop();
  }

  /**
   * Which of `tokens` are revoked, read fresh from Redis in one MGET (the cache is refreshed,
   * not consulted): the periodic check of open websockets. Null when Redis cannot answer —
   * open sockets are then left alone whatever the fail mode (closing every socket on a Redis
   * blip would only start a reconnect storm; new sockets and HTTP requests follow the fail mode).
   */
  async revokedAmong(tokens: readonly RevocableToken[]): Promise<boolean[] | null> {
    if (tokens.length === 0) return [];
    const { keyPrefix } = this.options;
    const keys: string[] = [];
    const index = new Map<string, number>();
    const slot = (key: string) => {
      let i = index.get(key);
      if (i === undefined) {
        i = keys.push(key) - 1;
        index.set(key, i);
      }
      return i;
    };
    const refs = tokens.map((t) => ({
      user: slot(revocationKeys.user(keyPrefix, t.sub)),
      sid: t.sid ? slot(revocationKeys.session(keyPrefix, t.sid)) : -1,
    }));
    let values: (string | null)[];
    try {
      values = await this.redis.client.mget(...keys);
    } catch (error) {
      this.redis.unavailable(error);
      return null;
    }
    const now = Date.now();
    return tokens.map((token, i) => {
      const entry = {
        at: now,
        userBefore: Number(values[refs[i].user] ?? 0) || 0,
        sessionRevoked: refs[i].sid >= 0 && values[refs[i].sid] !== null,
      };
      if (this.cache.size >= 100_000) this.cache.clear();
      this.cache.set(`${token.sub}|${token.sid ?? ''}`, entry);
      return entry.sessionRevoked || token.iatMs < entry.userBefore;
    });
  }

  /** True when the token must be refused. */
  async isRevoked(token: RevocableToken): Promise<boolean> {
    const key = `${token.sub}|${token.sid ?? ''}`;
    const now = Date.now();
    let entry = this.cache.get(key);
    if (!entry || now - entry.at >= this.options.cacheMs) {
      const { keyPrefix } = this.options;
      try {
        const [userBefore, session] = await this.redis.client.mget(
          revocationKeys.user(keyPrefix, token.sub),
          revocationKeys.session(keyPrefix, token.sid ?? '-'),
        );
        entry = { at: now, userBefore: Number(userBefore ?? 0) || 0, sessionRevoked: session !== null && !!token.sid };
      } catch (error) {
        this.redis.unavailable(error);
        if (this.options.failMode === 'closed') throw new RevocationUnavailableError('revocation list unavailable');
        return false;
      }
      if (this.cache.size >= 100_000) this.cache.clear();
      this.cache.set(key, entry);
    }
    return entry.sessionRevoked || token.iatMs < entry.userBefore;
  }
}
