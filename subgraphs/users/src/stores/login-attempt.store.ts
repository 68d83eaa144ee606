import type { Redis } from 'ioredis';
import { isStoreUnavailable, serviceUnavailable, type Logger } from '@shopgraph/kit';

/** Seconds a refused login is told to wait (`extensions.retryAfter`) while Redis cannot count attempts. */
export const LOGIN_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * Counts login attempts per key in fixed Redis windows (INCR + EXPIRE).
 *
 * Fails closed: when Redis does not answer within its deadline (REDIS_COMMAND_TIMEOUT_MS) or
 * cannot be reached, attempts cannot be counted, so `hit` refuses the login with
 * SERVICE_UNAVAILABLE and a `retryAfter` instead of letting unlimited password guesses through.
 */
export class LoginAttemptStore {
  constructor(
    private readonly redis: Redis,
    private readonly windowSeconds: number,
    private readonly log?: Logger,
    private readonly prefix = 'users:login-attempts:',
  ) {}

  /** Records one attempt and returns how many were made in the current window, this one included. */
  async hit(key: string): Promise<number> {
    try {
      // SET NX EX first so the counter always carries an expiry, even if the process dies mid-way.
      const results = await this.redis
        .multi()
        .set(this.prefix + key, '0', 'EX', this.windowSeconds, 'NX')
        .incr(this.prefix + key)
        .exec();
      const [error, count] = results?.[1] ?? [new Error('Redis transaction aborted'), 0];
      if (error) throw error;
      return Number(count);
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      this.log?.warn({ err: error }, 'login attempts cannot be counted; refusing the login (fail closed)');
      throw serviceUnavailable('Sign-in is temporarily unavailable; try again shortly', LOGIN_UNAVAILABLE_RETRY_AFTER_SECONDS);
    }
  }

  /**
   * Forgets the attempts after a successful login. Best effort: the login already succeeded, and
   * a counter left behind only expires with its window.
   */
  async reset(key: string): Promise<void> {
    try {
      await this.redis.del(this.prefix + key);
    } catch (error) {
      this.log?.warn({ err: error }, 'could not reset the login attempt counter; it expires with its window');
    }
  }
}
