import type { Redis } from 'ioredis';

/** Counts login attempts per key in fixed Redis windows (INCR + EXPIRE). */
export class LoginAttemptStore {
  constructor(
    private readonly redis: Redis,
    private readonly windowSeconds: number,
    private readonly prefix = 'users:login-attempts:',
  ) {}

  /** Records one attempt and returns how many were made in the current window, this one included. */
  async hit(key: string): Promise<number> {
    // SET NX EX first so the counter always carries an expiry, even if the process dies mid-way.
    const results = await this.redis
      .multi()
      .set(this.prefix + key, '0', 'EX', this.windowSeconds, 'NX')
      .incr(this.prefix + key)
      .exec();
    const [error, count] = results?.[1] ?? [new Error('Redis transaction aborted'), 0];
    if (error) throw error;
    return Number(count);
  }

  /** Forgets the attempts after a successful login. */
  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
