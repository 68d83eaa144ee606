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
}

/** Thrown when revocation cannot be checked and the fail mode is `closed`. */
export class RevocationUnavailableError extends Error {}

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
    );
  }

  async start(): Promise<void> {
    await this.redis.start();
  }

  async stop(): Promise<void> {
    this.redis.stop();
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
          `${keyPrefix}user:${token.sub}`,
          token.sid ? `${keyPrefix}sid:${token.sid}` : `${keyPrefix}sid:-`,
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
