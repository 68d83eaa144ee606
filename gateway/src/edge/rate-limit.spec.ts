import { createLogger } from '@shopgraph/kit';
import { stackEnv, uniqueId } from '@shopgraph/testkit';
import { parseCosts, parseFieldBudgets, RateLimiter, requestCost } from './rate-limit';

const log = createLogger('test', 'silent');
const limiter = (prefix: string, redisUrl = stackEnv.redisUrl, client = { burst: 5, perSecond: 0.01 }) =>
  new RateLimiter({
    redisUrl,
    commandTimeoutMs: 500,
    keyPrefix: prefix,
    client,
    global: { burst: 1000, perSecond: 0.01 },
    costs: parseCosts('login=10,placeOrder=5'),
    fieldBudgets: parseFieldBudgets('login=3/300'),
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

  it('parses per-operation budgets as count per seconds', () => {
    expect(parseFieldBudgets('login=10/60, register=10/600')).toEqual({ login: { burst: 10, perSecond: 10 / 60 }, register: { burst: 10, perSecond: 1 / 60 } });
    expect(parseFieldBudgets('')).toEqual({});
    expect(() => parseFieldBudgets('login=10')).toThrow(/RATE_LIMIT_FIELD_BUDGETS/);
    expect(() => parseFieldBudgets('login=0/60')).toThrow(/RATE_LIMIT_FIELD_BUDGETS/);
  });
});

describe('RateLimiter (real Redis)', () => {
  const started: RateLimiter[] = [];
  afterAll(async () => {
    await Promise.all(started.map((l) => l.stop()));
  });
  const start = async (prefix: string, url?: string, client?: { burst: number; perSecond: number }) => {
    const l = limiter(prefix, url, client);
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

  it('a per-operation budget (login 3 per 300 s): 3 pass, the 4th is refused; more than 3 in one request never passes; nothing is taken from a refused take', async () => {
    const prefix = `${uniqueId('rl-spec')}:`;
    const l = await start(prefix, undefined, { burst: 1000, perSecond: 1 });
    const logins = (n: number) => new Map([['login', n]]);
    // Four aliased logins in one request: over the whole budget, refused for a full window.
    expect(await l.take('ip:9.9.9.9', 40, logins(4))).toEqual({ allowed: false, retryAfterSeconds: 300 });
    expect(await l.take('ip:9.9.9.9', 20, logins(2))).toEqual({ allowed: true });
    expect(await l.take('ip:9.9.9.9', 10, logins(1))).toEqual({ allowed: true });
    const refused = await l.take('ip:9.9.9.9', 10, logins(1));
    expect(refused.allowed).toBe(false);
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeGreaterThanOrEqual(99);
    // Other fields and other clients are not affected; the client bucket lost only what passed.
    expect(await l.take('ip:9.9.9.9', 1, new Map([['addAddress', 5]]))).toEqual({ allowed: true });
    expect(await l.take('ip:8.8.8.8', 10, logins(1))).toEqual({ allowed: true });
  });

  it('fails open when Redis does not answer', async () => {
    const closed = await start(`${uniqueId('rl-spec')}:`, 'redis://127.0.0.1:1');
    expect(await closed.take('ip:1.2.3.4', 100)).toEqual({ allowed: true });
  });
});
