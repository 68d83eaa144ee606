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

  it('without Redis: fail open accepts, fail closed throws', async () => {
    const token = { sub: 'u1', sid: 's1', iatMs: Date.now() };
    const open = await list('x:', { redisUrl: 'redis://127.0.0.1:1', failMode: 'open' });
    expect(await open.isRevoked(token)).toBe(false);
    const closed = await list('x:', { redisUrl: 'redis://127.0.0.1:1', failMode: 'closed' });
    await expect(closed.isRevoked(token)).rejects.toBeInstanceOf(RevocationUnavailableError);
  });
});
