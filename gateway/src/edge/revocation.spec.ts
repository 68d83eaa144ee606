import Redis from 'ioredis';
import { createLogger } from '@shopgraph/kit';
import { stackEnv, testNamespace, uniqueId } from '@shopgraph/testkit';
import { RevocationList, RevocationUnavailableError } from './revocation';

const log = createLogger('test', 'silent');

describe('RevocationList (real Redis)', () => {
  const redis = new Redis(stackEnv.redisUrl);
  const lists: RevocationList[] = [];
  const list = async (prefix: string, options: Partial<ConstructorParameters<typeof RevocationList>[0]> = {}) => {
    const l = new RevocationList({
      redisUrl: stackEnv.redisUrl,
      commandTimeoutMs: 500,
      keyPrefix: prefix,
      cacheMs: 0,
      failMode: 'open',
      log,
      ...options,
    });
    lists.push(l);
    await l.start();
    return l;
  };
  afterAll(async () => {
    await Promise.all(lists.map((l) => l.stop()));
    redis.disconnect();
  });

  it('refuses a revoked session and tokens issued before a user-wide revocation, not later ones', async () => {
    const prefix = testNamespace().key(`${uniqueId('rv')}:`);
    const revocations = await list(prefix);
    const t0 = Date.now();
    expect(await revocations.isRevoked({ sub: 'u1', sid: 's1', iatMs: t0 })).toBe(false);

    await redis.set(`${prefix}sid:s1`, '1', 'EX', 60);
    expect(await revocations.isRevoked({ sub: 'u1', sid: 's1', iatMs: t0 })).toBe(true);
    expect(await revocations.isRevoked({ sub: 'u1', sid: 's2', iatMs: t0 })).toBe(false);
    expect(await revocations.isRevoked({ sub: 'u1', iatMs: t0 })).toBe(false);

    await redis.set(`${prefix}user:u1`, String(t0 + 5), 'EX', 60);
    expect(await revocations.isRevoked({ sub: 'u1', sid: 's2', iatMs: t0 + 4 })).toBe(true);
    expect(await revocations.isRevoked({ sub: 'u1', sid: 's3', iatMs: t0 + 5 })).toBe(false);
    expect(await revocations.isRevoked({ sub: 'u2', sid: 's4', iatMs: t0 })).toBe(false);
  });

  it('reuses an answer for cacheMs, then sees the revocation', async () => {
    const prefix = testNamespace().key(`${uniqueId('rv')}:`);
    const revocations = await list(prefix, { cacheMs: 300 });
    const token = { sub: 'u1', sid: 's1', iatMs: Date.now() };
    expect(await revocations.isRevoked(token)).toBe(false);
    await redis.set(`${prefix}sid:s1`, '1', 'EX', 60);
    expect(await revocations.isRevoked(token)).toBe(false);
    await new Promise((r) => setTimeout(r, 350));
    expect(await revocations.isRevoked(token)).toBe(true);
  });

  it('revokedAmong: one fresh read for many tokens (the open-socket check), bypassing and refreshing the cache', async () => {
    const prefix = testNamespace().key(`${uniqueId('rv')}:`);
    const revocations = await list(prefix, { cacheMs: 2000 });
    const t0 = Date.now();
    const tokens = [
      { sub: 'u1', sid: 's1', iatMs: t0 },
      { sub: 'u1', sid: 's2', iatMs: t0 },
      { sub: 'u2', sid: 's3', iatMs: t0 },
      { sub: 'u2', sid: 's4', iatMs: t0 + 10 },
      { sub: 'u3', iatMs: t0 },
    ];
    expect(await revocations.revokedAmong(tokens)).toEqual([false, false, false, false, false]);
    expect(await revocations.revokedAmong([])).toEqual([]);
    // Cached as not revoked for 2 s by isRevoked …
    expect(await revocations.isRevoked(tokens[0])).toBe(false);
    await redis.set(`${prefix}sid:s1`, '1', 'EX', 60);
    await redis.set(`${prefix}user:u2`, String(t0 + 5), 'EX', 60);
    // … but the batch reads fresh, and what it read is what isRevoked answers next.
    expect(await revocations.revokedAmong(tokens)).toEqual([true, false, true, false, false]);
    expect(await revocations.isRevoked(tokens[0])).toBe(true);
    // Redis away: null (open sockets are left alone), whatever the fail mode.
    const away = await list('x:', { redisUrl: 'redis://127.0.0.1:1', failMode: 'closed' });
    expect(await away.revokedAmong(tokens)).toBeNull();
  });

  it('without Redis: fail open accepts, fail closed throws', async () => {
    const token = { sub: 'u1', sid: 's1', iatMs: Date.now() };
    const open = await list('x:', { redisUrl: 'redis://127.0.0.1:1', failMode: 'open' });
    expect(await open.isRevoked(token)).toBe(false);
    const closed = await list('x:', { redisUrl: 'redis://127.0.0.1:1', failMode: 'closed' });
    await expect(closed.isRevoked(token)).rejects.toBeInstanceOf(RevocationUnavailableError);
  });
});
