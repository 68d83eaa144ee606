import { Registry } from 'prom-client';
import { CircuitBreaker, OptionalCache } from './cache';

describe('CircuitBreaker', () => {
  it('opens on a failure, skips calls for the cooldown, then lets exactly one probe through', () => {
    let now = 1000;
    const breaker = new CircuitBreaker(5000, () => now);
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.current).toBe('open');
    now += 4999;
    expect(breaker.allow()).toBe(false);
    now += 1;
    expect(breaker.allow()).toBe(true); // the probe
    expect(breaker.current).toBe('half-open');
    expect(breaker.allow()).toBe(false); // others wait for the probe
    breaker.success();
    expect(breaker.current).toBe('closed');
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(true);
  });

  it('a failed probe opens it for another full cooldown', () => {
    let now = 0;
    const breaker = new CircuitBreaker(100, () => now);
    breaker.failure();
    now = 100;
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    now = 150;
    expect(breaker.allow()).toBe(false);
    now = 200;
    expect(breaker.allow()).toBe(true);
  });
});

describe('OptionalCache', () => {
  const never = () => new Promise<string>(() => undefined);

  it('answers the fallback when a read passes its deadline, then skips the cache without calling it', async () => {
    let now = 0;
    const cache = new OptionalCache({ name: 't', timeoutMs: 30, cooldownMs: 5000, now: () => now });
    let calls = 0;
    const hung = () => {
      calls++;
      return never();
    };
    const started = Date.now();
    await expect(cache.read(hung, 'miss')).resolves.toBe('miss');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(cache.available).toBe(false);
    // While open: no call at all, immediate fallback.
    await expect(cache.read(hung, 'miss')).resolves.toBe('miss');
    await expect(cache.write(hung)).resolves.toBe(false);
    expect(calls).toBe(1);
    // After the cooldown one read probes; a working cache closes the breaker.
    now = 5000;
    await expect(cache.read(async () => 'hit', 'miss')).resolves.toBe('hit');
    expect(cache.available).toBe(true);
    await expect(cache.read(async () => 'hit again', 'miss')).resolves.toBe('hit again');
  });

  it('treats an error like a timeout', async () => {
    const cache = new OptionalCache({ name: 't', timeoutMs: 1000, cooldownMs: 5000 });
    await expect(cache.read(() => Promise.reject(new Error('Connection is closed.')), null)).resolves.toBeNull();
    expect(cache.available).toBe(false);
  });

  it('a forced write runs while the cache is skipped, and its failure does not extend the cooldown', async () => {
    let now = 0;
    const cache = new OptionalCache({ name: 't', timeoutMs: 20, cooldownMs: 1000, now: () => now });
    await cache.read(never, null);
    now = 900;
    let ran = 0;
    await expect(
      cache.write(async () => {
        ran++;
        throw new Error('down');
      }, { force: true }),
    ).resolves.toBe(false);
    expect(ran).toBe(1);
    now = 1000; // cooldown counted from the read's failure, not the forced write's
    await expect(cache.read(async () => 'back', null)).resolves.toBe('back');
  });

  it('reports availability and failures as metrics', async () => {
    const registry = new Registry();
    const cache = new OptionalCache({ name: 'products', timeoutMs: 20, cooldownMs: 1000, metrics: registry });
    await cache.read(never, null);
    const text = await registry.metrics();
    expect(text).toContain('cache_available{cache="products"} 0');
    expect(text).toContain('cache_failures_total{cache="products"} 1');
  });
});
