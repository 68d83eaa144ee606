import { createLogger } from '@shopgraph/kit';
import { stackEnv, uniqueId } from '@shopgraph/testkit';
import { parseCosts, RateLimiter, requestCost } from './rate-limit';

const log = createLogger('test', 'silent');
const limiter = (prefix: string, redisUrl = stackEnv.redisUrl) =>
  new RateLimiter({
    redisUrl,
    commandTimeoutMs: 500,
    keyPrefix: prefix,
    client: { burst: 5, perSecond: 0.01 },
    global: { burst: 1000, perSecond: 0.01 },
    costs: parseCosts('login=10,placeOrder=5'),
    log,
  });

describe('requestCost', () => {
  it('counts every aliased root mutation field at its configured units', () => {
    const costs = parseCosts('login=10,register=10,placeOrder=5');
    expect(requestCost('query', new Map([['products', 3]]), costs)).toBe(1);
    expect(requestCost('mutation', new Map([['login', 20]]), costs)).toBe(200);
    expect(requestCost('mutation', new Map([['login', 1], ['addAddress', 2]]), costs)).toBe(12);
    expect(() => parseCosts('login=x')).toThrow(/RATE_LIMIT_COSTS/);
  });
});

describe('RateLimiter (real Redis)', () => {
  const started: RateLimiter[] = [];
  afterAll(async () => {
    await Promise.all(started.map((l) => l.stop()));
  });
  const start = async (prefix: string, url?: string) => {
    const l = limiter(prefix, url);
    started.push(l);
    await l.start();
    return l;
  };

  it('allows the burst (N units) and refuses N+1 with the wait, shared by every replica', async () => {
    const prefix = `${uniqueId('rl-spec')}:`;
    const one = await start(prefix);
    const two = await start(prefix);
    expect(await one.take('ip:1.2.3.4', 3)).toEqual({ allowed: true });
    expect(await two.take('ip:1.2.3.4', 2)).toEqual({ allowed: true });
    const refused = await one.take('ip:1.2.3.4', 1);
    expect(refused.allowed).toBe(false);
    // 1 unit at 0.01/s: about 100 s.
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeGreaterThanOrEqual(99);
    // A cost larger than what is left takes nothing; another client has its own bucket.
    expect((await two.take('user:u1', 6)).allowed).toBe(false);
    expect(await two.take('user:u1', 5)).toEqual({ allowed: true });
  });

  it('fails open when Redis does not answer', async () => {
    const closed = await start(`${uniqueId('rl-spec')}:`, 'redis://127.0.0.1:1');
    expect(await closed.take('ip:1.2.3.4', 100)).toEqual({ allowed: true });
  });
});
