import { decodeProtectedHeader } from 'jose';
import { createDataSource, openDatabase } from '@shopgraph/kit';
import { createTestDatabase } from '@shopgraph/testkit';
import type { DataSource } from 'typeorm';
import { entities } from '../src/entities';
import { migrations } from '../src/migrations';
import { AccessTokenService } from '../src/services/access-token.service';
import { SigningKeyStore } from '../src/stores/signing-key.store';

describe('signing keys', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const sources: DataSource[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('users');
  });
  afterAll(async () => {
    await Promise.all(sources.map((s) => s.destroy()));
    await db?.drop();
  });

  it('replicas starting at the same time agree on a single active key', async () => {
    // Each "replica" has its own connection pool, as separate processes would.
    for (let i = 0; i < 4; i += 1) {
      sources.push(await openDatabase(createDataSource({ url: db.url, entities, migrations, poolSize: 2 }), db.url));
    }
    const replicas = sources.map((s) => new AccessTokenService(new SigningKeyStore(s), 900));
    await Promise.all(replicas.map((r) => r.init()));

    const [{ count }] = await sources[0].query('SELECT count(*)::int AS count FROM signing_keys WHERE active');
    expect(count).toBe(1);
    const kids = await Promise.all(replicas.map(async (r) => decodeProtectedHeader((await r.sign({ id: 'u1', role: 'CUSTOMER' })).token).kid));
    expect(new Set(kids).size).toBe(1);
    expect((await replicas[0].jwks()).keys.map((k) => k.kid)).toEqual([kids[0]]);
  });
});
