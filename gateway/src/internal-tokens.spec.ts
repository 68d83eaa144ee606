import { DEV_INTERNAL_TOKEN_PRIVATE_KEY, DEV_INTERNAL_TOKEN_PUBLIC_KEY, verifyInternalTokenClaims } from '@shopgraph/kit';
import { decodeJwt } from 'jose';
import { InternalTokenCache } from './internal-tokens';

describe('InternalTokenCache', () => {
  const alice = { id: 'u-alice', role: 'CUSTOMER' as const };

  it('reuses a token per (subgraph, viewer, client, session) for three quarters of its lifetime, then signs a new one', async () => {
    let now = 1_000_000;
    const cache = new InternalTokenCache(DEV_INTERNAL_TOKEN_PRIVATE_KEY, { ttlSeconds: 60, now: () => now });
    const signing = cache.get('users', alice, { clientIp: '203.0.113.7', sessionId: 's1' });
    const first = await signing;
    now += 44_000;
    // The very same signature (the same promise), not a new one.
    expect(cache.get('users', alice, { clientIp: '203.0.113.7', sessionId: 's1' })).toBe(signing);
    now += 2_000;
    const renewed = cache.get('users', alice, { clientIp: '203.0.113.7', sessionId: 's1' });
    expect(renewed).not.toBe(signing);
    expect(cache.get('users', alice, { clientIp: '203.0.113.7', sessionId: 's1' })).toBe(renewed);
    const claims = await verifyInternalTokenClaims(DEV_INTERNAL_TOKEN_PUBLIC_KEY, await renewed, 'users');
    expect(claims).toEqual({ viewer: alice, clientIp: '203.0.113.7', sessionId: 's1' });
    expect(decodeJwt(first).exp! - decodeJwt(first).iat!).toBe(60);
  });

  it('never hands one viewer, role, client, session or subgraph the token of another', async () => {
    const cache = new InternalTokenCache(DEV_INTERNAL_TOKEN_PRIVATE_KEY);
    const cases = [
      ['users', alice, {}],
      ['users', { ...alice, role: 'ADMIN' as const }, {}],
      ['users', { id: 'u-bob', role: 'CUSTOMER' as const }, {}],
      ['users', null, {}],
      ['users', alice, { clientIp: '198.51.100.1' }],
      ['users', alice, { sessionId: 's2' }],
      ['orders', alice, {}],
    ] as const;
    const tokens = await Promise.all(cases.map(([s, v, e]) => cache.get(s, v, e)));
    for (let i = 0; i < cases.length; i++) {
      const [subgraph, viewer, extras] = cases[i];
      const claims = await verifyInternalTokenClaims(DEV_INTERNAL_TOKEN_PUBLIC_KEY, tokens[i], subgraph);
      expect(claims.viewer).toEqual(viewer);
      expect(claims.clientIp).toBe((extras as { clientIp?: string }).clientIp);
      if (viewer) expect(claims.sessionId).toBe((extras as { sessionId?: string }).sessionId);
    }
    expect(cache.size).toBe(cases.length);
    expect(await cache.get('users', alice, {})).toBe(tokens[0]);
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const cache = new InternalTokenCache(DEV_INTERNAL_TOKEN_PRIVATE_KEY, { maxEntries: 3 });
    const oldest = cache.get('users', null, { clientIp: '10.0.0.1' });
    const second = cache.get('users', null, { clientIp: '10.0.0.2' });
    for (const ip of ['10.0.0.3', '10.0.0.4']) await cache.get('users', null, { clientIp: ip });
    expect(cache.size).toBe(3);
    expect(cache.get('users', null, { clientIp: '10.0.0.2' })).toBe(second);
    // 10.0.0.1 was dropped: asked again, it is signed anew.
    expect(cache.get('users', null, { clientIp: '10.0.0.1' })).not.toBe(oldest);
    expect(cache.size).toBe(3);
    await oldest;
  });
});
