import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { RefreshTokenRecord, RefreshTokenStore } from '../stores/refresh-token.store';

/** A refresh token as handed to the client, with its owner. */
export interface IssuedRefreshToken {
  token: string;
  userId: string;
  familyId: string;
  expiresAt: Date;
}

/** sha256 (hex) of an opaque token: what the database keeps instead of the token. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Issues opaque refresh tokens and rotates them on every use. Presenting a token that was
 * already rotated is treated as theft: the whole family is revoked, the newest token included.
 */
export class RefreshTokenService {
  constructor(
    private readonly store: RefreshTokenStore,
    private readonly ttlSeconds: number,
    private readonly now: () => Date = () => new Date(),
    /** Called when reuse revokes a family (theft): its access tokens are revoked too. */
    private readonly onStolenFamily: (familyId: string) => Promise<void> = async () => {},
  ) {}

  /** Starts a new family (a sign-in) for `userId`. */
  async issue(userId: string): Promise<IssuedRefreshToken> {
    const { token, record } = this.create(userId, randomUUID());
    await this.store.insert(record);
    return { token, userId, familyId: record.familyId, expiresAt: record.expiresAt };
  }

  /** Exchanges a valid token for a new one of the same family; null when it is unknown, expired, revoked or reused. */
  async rotate(token: string): Promise<IssuedRefreshToken | null> {
    const current = await this.store.findByHash(hashToken(token));
    if (!current || current.revokedAt) return null;
    const at = this.now();
    if (current.rotatedAt) {
      await this.store.revokeFamily(current.familyId, at);
      await this.onStolenFamily(current.familyId);
      return null;
    }
    if (current.expiresAt.getTime() <= at.getTime()) return null;
    const next = this.create(current.userId, current.familyId);
    if (!(await this.store.rotate(current.id, next.record, at))) {
      // Someone rotated it between our read and write: the same token was used twice.
      await this.store.revokeFamily(current.familyId, at);
      await this.onStolenFamily(current.familyId);
      return null;
    }
    return { token: next.token, userId: current.userId, familyId: current.familyId, expiresAt: next.record.expiresAt };
  }

  /** Revokes the family of `token` (logout) and returns its id; null when the token is unknown. */
  async revoke(token: string): Promise<string | null> {
    const current = await this.store.findByHash(hashToken(token));
    if (!current) return null;
    await this.store.revokeFamily(current.familyId, this.now());
    return current.familyId;
  }

  private create(userId: string, familyId: string): { token: string; record: RefreshTokenRecord } {
    const token = randomBytes(32).toString('base64url');
    const createdAt = this.now();
    return {
      token,
      record: {
        id: randomUUID(),
        userId,
        familyId,
        tokenHash: hashToken(token),
        createdAt,
        expiresAt: new Date(createdAt.getTime() + this.ttlSeconds * 1000),
        rotatedAt: null,
        revokedAt: null,
      },
    };
  }
}
