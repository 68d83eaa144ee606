import type { Redis } from 'ioredis';
import { isStoreUnavailable, serviceUnavailable, type Logger } from '@shopgraph/kit';

/** Seconds a refused login is told to wait (`extensions.retryAfter`) while Redis cannot count attempts. */
export const LOGIN_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** Limits of sign-in and sign-up (see the users config). */
export interface LoginLimits {
  /** Failed logins of one account before backoff starts. */
  accountFreeFailures: number;
  /** First backoff, doubled by every further failure, capped at `backoffMaxSeconds`. */
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  /** Failed logins one client (IP as the gateway saw it) may make per window. */
  clientMaxFailures: number;
  /** Window of the failure counters (account and client). */
  windowSeconds: number;
  /** Registrations one client may make per `registerWindowSeconds`. */
  registerPerClient: number;
  registerWindowSeconds: number;
  /** Password-reset requests per email address (known or not) per `resetWindowSeconds` (default 3). */
  resetPerEmail?: number;
  /** Password-reset requests one client may make per `resetWindowSeconds` (default 10). */
  resetPerClient?: number;
  /** Window of the reset-request counters (default 3600 s). */
  resetWindowSeconds?: number;
}

/** Refused: wait this long. */
export type LimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number; scope: 'account' | 'client' };

/**
 * Login and registration limits in Redis, shared by every users replica:
 *  - per account, backoff instead of a lockout: after `accountFreeFailures` failures each further
 *    one makes the account wait base·2^k seconds (capped at `backoffMaxSeconds`) before the next
 *    attempt — a stranger can slow an account's sign-in to one try per cap, never lock it out;
 *  - per client, a budget of failed logins per window (password spraying over many accounts);
 *  - per client, a budget of registrations per window.
 * A success clears the account's failures.
 *
 * Fails closed: when Redis does not answer within its deadline (REDIS_COMMAND_TIMEOUT_MS) or
 * cannot be reached, the check refuses with SERVICE_UNAVAILABLE and a `retryAfter` instead of
 * letting unlimited password guesses through.
 */
export class LoginAttemptStore {
  constructor(
    private readonly redis: Redis,
    private readonly limits: LoginLimits,
    private readonly log?: Logger,
    private readonly prefix = 'users:login-attempts:',
  ) {}

  /** Whether a login for `account` from `client` (if known) may be tried now. */
  async checkLogin(account: string, client: string | undefined): Promise<LimitVerdict> {
    return this.guard(async () => {
      const [blockedMs, clientFailures, clientTtl] = await Promise.all([
        this.redis.pttl(`${this.prefix}backoff:${account}`),
        client ? this.redis.get(`${this.prefix}client-fails:${client}`) : Promise.resolve(null),
        client ? this.redis.ttl(`${this.prefix}client-fails:${client}`) : Promise.resolve(-2),
      ]);
      if (client && Number(clientFailures ?? 0) >= this.limits.clientMaxFailures) {
        return { allowed: false, retryAfterSeconds: Math.max(1, clientTtl), scope: 'client' } as const;
      }
      if (blockedMs > 0) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(blockedMs / 1000)), scope: 'account' } as const;
      return { allowed: true } as const;
    });
  }

  /** Records a failed login: counts it for the account and the client, and sets the account's backoff. */
  async failedLogin(account: string, client: string | undefined): Promise<void> {
    await this.guard(async () => {
      const tx = this.redis
        .multi()
        .set(`${this.prefix}fails:${account}`, '0', 'EX', this.limits.windowSeconds, 'NX')
        .incr(`${this.prefix}fails:${account}`);
      if (client)
        tx.set(`${this.prefix}client-fails:${client}`, '0', 'EX', this.limits.windowSeconds, 'NX').incr(
          `${this.prefix}client-fails:${client}`,
        );
      const results = await tx.exec();
      const [error, count] = results?.[1] ?? [new Error('Redis transaction aborted'), 0];
      if (error) throw error;
      const over = Number(count) - this.limits.accountFreeFailures;
      if (over >= 0) {
        const seconds = Math.min(this.limits.backoffMaxSeconds, this.limits.backoffBaseSeconds * 2 ** Math.min(over, 30));
        await this.redis.set(`${this.prefix}backoff:${account}`, '1', 'PX', Math.max(1, Math.round(seconds * 1000)));
      }
    });
  }

  /**
   * Forgets the account's failures after a successful login. Best effort: the login already
   * succeeded, and a counter left behind only expires with its window.
   */
  async succeededLogin(account: string): Promise<void> {
    try {
      await this.redis.del(`${this.prefix}fails:${account}`, `${this.prefix}backoff:${account}`);
    } catch (error) {
      this.log?.warn({ err: error }, 'could not reset the login failure counter; it expires with its window');
    }
  }

  /** Counts one registration of `client`; refused past the per-client budget. */
  async register(client: string | undefined): Promise<LimitVerdict> {
    if (!client) return { allowed: true };
    return this.guard(async () => {
      const key = `${this.prefix}register:${client}`;
      const results = await this.redis.multi().set(key, '0', 'EX', this.limits.registerWindowSeconds, 'NX').incr(key).ttl(key).exec();
      const [error, count] = results?.[1] ?? [new Error('Redis transaction aborted'), 0];
      if (error) throw error;
      if (Number(count) <= this.limits.registerPerClient) return { allowed: true } as const;
      return { allowed: false, retryAfterSeconds: Math.max(1, Number(results?.[2]?.[1] ?? 1)), scope: 'client' } as const;
    });
  }

  /**
   * Counts one password-reset request for `email` (normalized; counted whether or not it has an
   * account, so the answer reveals nothing) and for `client`. The client's budget is checked
   * first: a client past it is refused without touching the email's counter.
   */
  async passwordResetRequest(email: string, client: string | undefined): Promise<LimitVerdict> {
    const window = this.limits.resetWindowSeconds ?? 3600;
    return this.guard(async () => {
      if (client) {
        const verdict = await this.count(`${this.prefix}reset-client:${client}`, this.limits.resetPerClient ?? 10, window, 'client');
        if (!verdict.allowed) return verdict;
      }
      return this.count(`${this.prefix}reset-email:${email}`, this.limits.resetPerEmail ?? 3, window, 'account');
    });
  }

  /** Counts one verification mail asked for by `userId`; refused past the per-email reset budget (same window). */
  async emailVerificationRequest(userId: string): Promise<LimitVerdict> {
    return this.guard(() =>
      this.count(`${this.prefix}verify-user:${userId}`, this.limits.resetPerEmail ?? 3, this.limits.resetWindowSeconds ?? 3600, 'account'),
    );
  }

  /** INCR of a fixed-window counter; refused once it passes `limit` (retry when the window ends). */
  private async count(key: string, limit: number, windowSeconds: number, scope: 'account' | 'client'): Promise<LimitVerdict> {
    const results = await this.redis.multi().set(key, '0', 'EX', windowSeconds, 'NX').incr(key).ttl(key).exec();
    const [error, count] = results?.[1] ?? [new Error('Redis transaction aborted'), 0];
    if (error) throw error;
    if (Number(count) <= limit) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Number(results?.[2]?.[1] ?? 1)), scope };
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      this.log?.warn({ err: error }, 'login attempts cannot be counted; refusing (fail closed)');
      throw serviceUnavailable('Sign-in is temporarily unavailable; try again shortly', LOGIN_UNAVAILABLE_RETRY_AFTER_SECONDS);
    }
  }
}
