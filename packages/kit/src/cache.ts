import { Counter, Gauge, type Registry } from 'prom-client';
import type { DatastoreConfig } from './config';
import type { Logger } from './logger';
import { withDeadline } from './unavailable';

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * A small circuit breaker: closed (calls go through) until a failure opens it; open (calls are
 * skipped) for `cooldownMs`; then half-open: exactly one call goes through as a probe (the
 * others are still skipped) — its success closes the breaker, its failure opens it again.
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
    private readonly onChange?: (state: BreakerState) => void,
  ) {}

  get current(): BreakerState {
    return this.state;
  }

  /** Whether a call may go through now (and, half-open, claims the single probe). */
  allow(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (this.now() - this.openedAt < this.cooldownMs) return false;
      this.set('half-open');
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.probing = false;
    if (this.state !== 'closed') this.set('closed');
  }

  failure(): void {
    this.probing = false;
    this.openedAt = this.now();
    if (this.state !== 'open') this.set('open');
  }

  private set(state: BreakerState): void {
    this.state = state;
    this.onChange?.(state);
  }
}

export interface OptionalCacheOptions {
  /** Names the cache in logs and metrics. */
  name: string;
  /** Deadline of each cache call; past it the call counts as failed (default 100). */
  timeoutMs?: number;
  /** How long the cache is skipped after a failure before one probe (default 5000). */
  cooldownMs?: number;
  log?: Logger;
  /** Registers `cache_available{cache}` (1 closed, 0 open/half-open) and `cache_failures_total{cache}`. */
  metrics?: Registry;
  now?: () => number;
}

/** OptionalCache options from a service's config. */
export function cacheDeadlines(config: Pick<DatastoreConfig, 'CACHE_TIMEOUT_MS' | 'CACHE_COOLDOWN_MS'>): Pick<OptionalCacheOptions, 'timeoutMs' | 'cooldownMs'> {
  return { timeoutMs: config.CACHE_TIMEOUT_MS, cooldownMs: config.CACHE_COOLDOWN_MS };
}

function metricsOf(registry: Registry): { available: Gauge<'cache'>; failures: Counter<'cache'> } {
  const available =
    (registry.getSingleMetric('cache_available') as Gauge<'cache'> | undefined) ??
    new Gauge({ name: 'cache_available', help: '1 while a cache is used, 0 while its breaker skips it', labelNames: ['cache'], registers: [registry] });
  const failures =
    (registry.getSingleMetric('cache_failures_total') as Counter<'cache'> | undefined) ??
    new Counter({ name: 'cache_failures_total', help: 'Cache calls that failed or passed their deadline', labelNames: ['cache'], registers: [registry] });
  return { available, failures };
}

/**
 * A cache that is optional by construction: every call has a deadline, and a call that fails or
 * passes it makes the cache be skipped for a cooldown (a read then answers "nothing cached" at
 * once, so the caller reads its store), after which one call probes it again. A hung or dead
 * cache therefore costs one deadline per cooldown, never a request.
 */
export class OptionalCache {
  readonly breaker: CircuitBreaker;
  private readonly timeoutMs: number;
  private readonly failures?: Counter<'cache'>;

  constructor(private readonly options: OptionalCacheOptions) {
    this.timeoutMs = options.timeoutMs ?? 100;
    const metrics = options.metrics ? metricsOf(options.metrics) : undefined;
    this.failures = metrics?.failures;
    metrics?.available.set({ cache: options.name }, 1);
    this.breaker = new CircuitBreaker(options.cooldownMs ?? 5000, options.now, (state) => {
      metrics?.available.set({ cache: options.name }, state === 'closed' ? 1 : 0);
      if (state === 'open') options.log?.warn({ cache: options.name }, 'cache unavailable; skipping it for a while');
      else if (state === 'closed') options.log?.info({ cache: options.name }, 'cache available again');
    });
  }

  /** True while the cache is being used (breaker closed). */
  get available(): boolean {
    return this.breaker.current === 'closed';
  }

  /** Runs a cache read; `fallback` (a miss) when the cache is skipped, fails or passes the deadline. */
  async read<T>(call: () => Promise<T>, fallback: T): Promise<T> {
    const outcome = await this.attempt(call, 'read');
    return outcome.ok ? outcome.value : fallback;
  }

  /**
   * Runs a cache write (fill or invalidation); false when skipped or failed. `force` runs it even
   * while the breaker is open (an invalidation should still be tried: the stale entry outlives
   * the outage), still within the deadline.
   */
  async write(call: () => Promise<unknown>, options: { force?: boolean } = {}): Promise<boolean> {
    return (await this.attempt(call, 'write', options.force)).ok;
  }

  private async attempt<T>(call: () => Promise<T>, kind: string, force = false): Promise<{ ok: true; value: T } | { ok: false }> {
    const allowed = this.breaker.allow();
    if (!allowed && !force) return { ok: false };
    try {
      const value = await withDeadline(Promise.resolve().then(call), this.timeoutMs, `cache ${this.options.name}`);
      if (allowed) this.breaker.success();
      return { ok: true, value };
    } catch (error) {
      this.failures?.inc({ cache: this.options.name });
      this.options.log?.debug({ err: error, cache: this.options.name, kind }, 'cache call failed');
      // A forced call made while the cache is skipped neither extends the cooldown nor ends a probe.
      if (allowed) this.breaker.failure();
      return { ok: false };
    }
  }
}
