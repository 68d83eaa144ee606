import type { Redis } from 'ioredis';
import { isStoreUnavailable, serviceUnavailable, type Logger } from '@shopgraph/kit';

/**
 * Prefix of the revocation keys users writes and the gateway reads (in the run's namespace):
 *   `<prefix>sid:<session id>` = "1"         — a signed-out session (refresh-token family);
 *   `<prefix>user:<user id>`   = epoch ms     — every access token of the user issued before it (role change,
 *                                             password reset, password change when the caller's session is unknown).
 * Each lives as long as an access token can, then expires by itself.
 */
export const REVOCATION_KEY_PREFIX = 'auth:revoked:';

// SET key ms EX ttl unless the key already holds a later cut-off (then only its expiry is renewed).
const KEEP_LATER = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current > tonumber(ARGV[1]) then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1`;

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

  /** Every access token of these sessions stops working (one round trip). */
  revokeSessions(sids: readonly string[]): Promise<void> {
    if (sids.length === 0) return Promise.resolve();
    return this.write(async () => {
      const tx = this.redis.multi();
      for (const sid of sids) tx.set(`${this.prefix}sid:${sid}`, '1', 'EX', this.accessTokenTtlSeconds);
      const results = await tx.exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error('Redis transaction aborted');
    });
  }

  /**
   * Every access token of `userId` issued before `at` stops working (newer ones are unaffected):
   * role change, password change without a known session, password reset. Never moves the
   * cut-off back: of two writes racing, the later time stays.
   */
  revokeUserBefore(userId: string, at: Date): Promise<void> {
    return this.write(() =>
      this.redis.eval(KEEP_LATER, 1, `${this.prefix}user:${userId}`, String(at.getTime()), String(this.accessTokenTtlSeconds)),
    );
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
