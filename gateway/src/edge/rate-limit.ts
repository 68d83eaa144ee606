import { GraphQLError } from 'graphql';
import { HeaderMap } from '@apollo/server';
import type { Registry } from 'prom-client';
import type { Logger } from '@shopgraph/kit';
import { OptionalRedis } from './optional-redis';

/** A token bucket: `burst` units, refilled at `perSecond`. */
export interface Bucket {
  burst: number;
  perSecond: number;
}

export interface RateLimitOptions {
  redisUrl: string;
  commandTimeoutMs: number;
  keyPrefix: string;
  client: Bucket;
  global: Bucket;
  /** Units per root mutation field by name (fields not listed: 1 per request overall). */
  costs: Record<string, number>;
  /**
   * Per-operation budgets: a client's own bucket per root mutation field (`login` 10 a minute),
   * one unit per occurrence (aliases each count), taken together with the client and global
   * buckets. Empty = none.
   */
  fieldBudgets?: Record<string, Bucket>;
  log: Logger;
  /** Where its Redis connection is reported (datastore_connected{store="redis",client="rate_limit"}). */
  metrics?: Registry;
}

/** The verdict: allowed, or refused with seconds until the request could pass. */
export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * One atomic step over several buckets (client, global, per-field budgets): each is refilled for
 * the time passed (Redis's clock, so every replica agrees), and each bucket's cost is taken only
 * if every bucket holds its own; otherwise nothing is taken and the wait (ms) of the emptiest
 * bucket is returned.
 * KEYS = buckets; ARGV = cost, burst and units-per-ms of each bucket.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local levels = {}
local wait = 0
for i = 1, #KEYS do
  local cost = tonumber(ARGV[3 * i - 2])
  local burst = tonumber(ARGV[3 * i - 1])
  local rate = tonumber(ARGV[3 * i])
  local v = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = tonumber(v[1])
  local at = tonumber(v[2])
  if tokens == nil or at == nil then tokens = burst; at = now end
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
  levels[i] = tokens
  if tokens < cost then
    local w = math.ceil((cost - tokens) / rate)
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  local cost = tonumber(ARGV[3 * i - 2])
  local burst = tonumber(ARGV[3 * i - 1])
  local rate = tonumber(ARGV[3 * i])
  redis.call('HSET', KEYS[i], 'tokens', tostring(levels[i] - cost), 'at', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil(burst / rate) + 1000)
end
return 0
`;

/**
 * Units one request costs: a query or subscription 1; a mutation the sum over its root fields
 * (aliases each count) of their configured units, 1 for a field not listed.
 */
export function requestCost(operation: 'query' | 'mutation' | 'subscription', rootFields: Map<string, number>, costs: Record<string, number>): number {
  if (operation !== 'mutation') return 1;
  let units = 0;
  for (const [field, count] of rootFields) units += (costs[field] ?? 1) * count;
  return Math.max(1, units);
}

/** Parses `login=10/60,register=20/3600` (at most N per S seconds, per client) into buckets. */
export function parseFieldBudgets(spec: string): Record<string, Bucket> {
  const budgets: Record<string, Bucket> = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^(\w+)\s*=\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(part);
    if (!match || Number(match[2]) <= 0 || Number(match[3]) <= 0) throw new Error(`RATE_LIMIT_FIELD_BUDGETS: bad entry "${part}" (expected field=count/seconds)`);
    budgets[match[1]] = { burst: Number(match[2]), perSecond: Number(match[2]) / Number(match[3]) };
  }
  return budgets;
}

/** Parses `login=10,register=10` into a map. */
export function parseCosts(spec: string): Record<string, number> {
  const costs: Record<string, number> = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, value] = part.split('=').map((s) => s.trim());
    const n = Number(value);
    if (!name || !Number.isFinite(n) || n < 0) throw new Error(`RATE_LIMIT_COSTS: bad entry "${part}" (expected field=units)`);
    costs[name] = n;
  }
  return costs;
}

export function rateLimitedError(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`Too many requests; retry in ${retryAfterSeconds} s`, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter: retryAfterSeconds,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}

/**
 * Token buckets in Redis shared by every gateway replica: one per client and one global.
 * Redis unavailable (down, slow past the command timeout) = requests pass, with a warning at
 * most every 10 s: a rate limiter must not take the shop down with it.
 */
export class RateLimiter {
  private readonly redis: OptionalRedis;

  constructor(private readonly options: RateLimitOptions) {
    this.redis = new OptionalRedis(options.redisUrl, options.commandTimeoutMs, (error) =>
      options.log.warn({ err: error }, 'rate limiting unavailable (Redis); requests pass unlimited until it answers'),
      { metrics: options.metrics, client: 'rate_limit' },
    );
    this.redis.client.defineCommand('takeTokens', { lua: TAKE });
  }

  get costs(): Record<string, number> {
    return this.options.costs;
  }

  /** Connects; until Redis answers (it keeps reconnecting in the background), requests pass. */
  async start(): Promise<void> {
    await this.redis.start();
  }

  async stop(): Promise<void> {
    this.redis.stop();
  }

  /**
   * Takes `cost` units from the client's and the global bucket and, for each root field with a
   * budget, its count from the client's bucket of that field — all or nothing, atomically.
   */
  async take(clientKey: string, cost: number, rootFields?: ReadonlyMap<string, number>): Promise<RateVerdict> {
    const { client, global, keyPrefix, fieldBudgets = {} } = this.options;
    const keys = [`${keyPrefix}client:${clientKey}`, `${keyPrefix}global`];
    const argv: number[] = [cost, client.burst, client.perSecond / 1000, cost, global.burst, global.perSecond / 1000];
    for (const [field, count] of rootFields ?? []) {
      const budget = fieldBudgets[field];
      if (!budget) continue;
      // More than the whole budget in one request can never pass: refused for one full window.
      if (count > budget.burst) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(budget.burst / budget.perSecond)) };
      keys.push(`${keyPrefix}field:${field}:${clientKey}`);
      argv.push(count, budget.burst, budget.perSecond / 1000);
    }
    try {
      const waitMs = (await (this.redis.client as unknown as { takeTokens: (...args: (string | number)[]) => Promise<number> }).takeTokens(
        keys.length,
        ...keys,
        ...argv,
      )) as number;
      if (waitMs <= 0) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    } catch (error) {
      this.redis.unavailable(error);
      return { allowed: true };
    }
  }
}
