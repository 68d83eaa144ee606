import type { DataSource } from 'typeorm';
import { RefreshTokenEntity } from '../entities/refresh-token.entity';

/** A refresh token as persisted (hash only, never the token itself). */
export type RefreshTokenRecord = Pick<
  RefreshTokenEntity,
  'id' | 'userId' | 'familyId' | 'tokenHash' | 'expiresAt' | 'createdAt' | 'rotatedAt' | 'revokedAt'
>;

/** Persistence of refresh tokens, kept behind an interface so the rotation logic is unit-testable. */
export interface RefreshTokenStore {
  insert(token: RefreshTokenRecord): Promise<void>;
  findByHash(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /**
   * Marks `currentId` rotated and inserts `next`, atomically; false (and nothing written) when
   * `currentId` was already rotated or revoked meanwhile.
   */
  rotate(currentId: string, next: RefreshTokenRecord, at: Date): Promise<boolean>;
  /** Revokes every not-yet-revoked token of the family. */
  revokeFamily(familyId: string, at: Date): Promise<void>;
}

/** RefreshTokenStore on PostgreSQL; rotation is one conditional UPDATE plus the INSERT in a transaction. */
export class PostgresRefreshTokenStore implements RefreshTokenStore {
  constructor(private readonly dataSource: DataSource) {}

  async insert(token: RefreshTokenRecord): Promise<void> {
    await this.dataSource.getRepository(RefreshTokenEntity).insert(token);
  }

  findByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    return this.dataSource.getRepository(RefreshTokenEntity).findOneBy({ tokenHash });
  }

  rotate(currentId: string, next: RefreshTokenRecord, at: Date): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(RefreshTokenEntity)
        .set({ rotatedAt: at })
        .where('id = :id AND rotated_at IS NULL AND revoked_at IS NULL', { id: currentId })
        .execute();
      if (result.affected !== 1) return false;
      await manager.getRepository(RefreshTokenEntity).insert(next);
      return true;
    });
  }

  async revokeFamily(familyId: string, at: Date): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(RefreshTokenEntity)
      .set({ revokedAt: at })
      .where('family_id = :familyId AND revoked_at IS NULL', { familyId })
      .execute();
  }
}
