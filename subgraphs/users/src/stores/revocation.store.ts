import type { Redis } from 'ioredis';
import { isStoreUnavailable, serviceUnavailable, type Logger } from '@shopgraph/kit';

/**
 * Prefix of the revocation keys users writes and the gateway reads (in the run's namespace):
 *   `<prefix>sid:<session id>` = "1"         — a signed-out session (refresh-token family);
 *   `<prefix>user:<user id>`   = epoch ms     — every access token of the user issued before it (role change).
 * Each lives as long as an access token can, then expires by itself.
 */
export const REVOCATION_KEY_PREFIX = 'auth:revoked:';

/**
 * Access-token revocation in Redis, checked by the gateway on every request (through a cache of
 * at most a second or two), so a logout or a role change takes effect within seconds instead of
 * at the token's expiry. A write that Redis does not take fails with SERVICE_UNAVAILABLE: the
 * caller must not believe a revocation happened when it did not.
 */
export class RevocationStore {
  constructor(
    private readonly redis: Redis,
    private readonly accessTokenTtlSeconds: number,
    private readonly prefix: string,
    private readonly log?: Logger,
  ) {}

  /** Every access token of session `sid` stops working. */
  revokeSession(sid: string): Promise<void> {
    return this.write(() => this.redis.set(`${this.prefix}sid:${sid}`, '1', 'EX', this.accessTokenTtlSeconds));
  }

  /** Every access token of `userId` issued before `at` stops working (newer ones are unaffected). */
  revokeUserBefore(userId: string, at: Date): Promise<void> {
    return this.write(() => this.redis.set(`${this.prefix}user:${userId}`, String(at.getTime()), 'EX', this.accessTokenTtlSeconds));
  }

  private async write(command: () => Promise<unknown>): Promise<void> {
    try {
      await command();
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      this.log?.warn({ err: error }, 'access tokens cannot be revoked (Redis); refusing the change');
      throw serviceUnavailable('This change cannot be applied right now; try again shortly', 5);
    }
  }
}
