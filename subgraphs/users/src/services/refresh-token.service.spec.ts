import type { RefreshTokenRecord, RefreshTokenStore } from '../stores/refresh-token.store';
import { hashToken, RefreshTokenService } from './refresh-token.service';

/** Plain in-memory RefreshTokenStore with the same conditional semantics as the SQL one. */
class MemoryRefreshTokenStore implements RefreshTokenStore {
  readonly rows = new Map<string, RefreshTokenRecord>();

  async insert(token: RefreshTokenRecord) {
    this.rows.set(token.id, { ...token });
  }
  async findByHash(tokenHash: string) {
    return [...this.rows.values()].find((r) => r.tokenHash === tokenHash) ?? null;
  }
  async rotate(currentId: string, next: RefreshTokenRecord, at: Date) {
    const current = this.rows.get(currentId);
    if (!current || current.rotatedAt || current.revokedAt) return false;
    current.rotatedAt = at;
    await this.insert(next);
    return true;
  }
  async revokeFamily(familyId: string, at: Date) {
    for (const row of this.rows.values()) if (row.familyId === familyId && !row.revokedAt) row.revokedAt = at;
  }
}

describe('RefreshTokenService', () => {
  let clock: Date;
  let store: MemoryRefreshTokenStore;
  let service: RefreshTokenService;

  beforeEach(() => {
    clock = new Date('2026-01-01T00:00:00Z');
    store = new MemoryRefreshTokenStore();
    service = new RefreshTokenService(store, 3600, () => clock);
  });

  it('stores only the hash of the opaque token', async () => {
    const issued = await service.issue('u1');
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = store.rows.values();
    expect(row.tokenHash).toBe(hashToken(issued.token));
    expect(JSON.stringify(row)).not.toContain(issued.token);
  });

  it('rotation issues a new token in the same family and invalidates the old one', async () => {
    const first = await service.issue('u1');
    const second = await service.rotate(first.token);
    expect(second).toMatchObject({ userId: 'u1', familyId: first.familyId });
    expect(second!.token).not.toBe(first.token);
    const third = await service.rotate(second!.token);
    expect(third).toMatchObject({ userId: 'u1', familyId: first.familyId });
    expect(await service.rotate(second!.token)).toBeNull();
  });

  it('reusing a rotated token revokes the family, so the newest token fails too', async () => {
    const first = await service.issue('u1');
    const other = await service.issue('u1');
    const second = await service.rotate(first.token);
    expect(await service.rotate(first.token)).toBeNull();
    expect(await service.rotate(second!.token)).toBeNull();
    // Another sign-in (another family) is untouched.
    expect(await service.rotate(other.token)).not.toBeNull();
  });

  it('refuses an expired token and an unknown one', async () => {
    const issued = await service.issue('u1');
    clock = new Date(clock.getTime() + 3600 * 1000);
    expect(await service.rotate(issued.token)).toBeNull();
    expect(await service.rotate('not-a-token')).toBeNull();
  });

  it('treats losing a concurrent rotation as reuse', async () => {
    const issued = await service.issue('u1');
    const winner = await service.rotate(issued.token);
    const stale = [...store.rows.values()].find((r) => r.tokenHash === hashToken(issued.token))!;
    // Simulate a second request that read the row before the winner's write.
    jest.spyOn(store, 'findByHash').mockResolvedValueOnce({ ...stale, rotatedAt: null });
    expect(await service.rotate(issued.token)).toBeNull();
    expect(await service.rotate(winner!.token)).toBeNull();
  });

  it('logout revokes the family and tells whether the token was known', async () => {
    const first = await service.issue('u1');
    const second = await service.rotate(first.token);
    expect(await service.revoke(first.token)).toBe(first.familyId);
    expect(await service.rotate(second!.token)).toBeNull();
    expect(await service.revoke('unknown')).toBeNull();
  });
});
