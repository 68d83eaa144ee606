import { Redis } from 'ioredis';
import { stackEnv, testKeyPrefix } from '@shopgraph/testkit';
import { RevocationStore } from '../src/stores/revocation.store';

// The revocation keys users writes for the gateway, on the real Redis.
describe('RevocationStore', () => {
  let redis: Redis;
  const prefix = `${testKeyPrefix('revocation')}:auth:revoked:`;

  beforeAll(async () => {
    redis = new Redis(stackEnv.redisUrl, { lazyConnect: true });
    await redis.connect();
  });
  afterAll(() => redis?.disconnect());

  it('never moves a user cut-off back, and renews its expiry', async () => {
    const store = new RevocationStore(redis, 60, prefix);
    const later = new Date(Date.now() + 5000);
    await store.revokeUserBefore('u1', later);
    await redis.expire(`${prefix}user:u1`, 10);
    await store.revokeUserBefore('u1', new Date(later.getTime() - 3000));
    expect(await redis.get(`${prefix}user:u1`)).toBe(String(later.getTime()));
    expect(await redis.ttl(`${prefix}user:u1`)).toBeGreaterThan(50);
    const latest = new Date(later.getTime() + 1);
    await store.revokeUserBefore('u1', latest);
    expect(await redis.get(`${prefix}user:u1`)).toBe(String(latest.getTime()));
  });

  it('revokes several sessions in one write, each for the access-token TTL', async () => {
    const store = new RevocationStore(redis, 60, prefix);
    await store.revokeSessions(['s1', 's2']);
    await store.revokeSessions([]);
    expect(await redis.mget(`${prefix}sid:s1`, `${prefix}sid:s2`, `${prefix}sid:s3`)).toEqual(['1', '1', null]);
    expect(await redis.ttl(`${prefix}sid:s2`)).toBeGreaterThan(50);
  });
});
