import type { EntityManager } from 'typeorm';
import { AccountTokenEntity, type AccountTokenPurpose } from '../entities/account-token.entity';

/**
 * Single-use account tokens (password reset, email verification) in PostgreSQL. Every method
 * takes the caller's EntityManager, so a token is created, or consumed, in the same transaction
 * as the change it authorizes and the outbox event announcing it.
 */
export class AccountTokenStore {
  async insert(manager: EntityManager, token: AccountTokenEntity): Promise<void> {
    await manager.getRepository(AccountTokenEntity).insert(token);
  }

  /** The token with this hash and purpose, whatever its state (used, expired): the caller decides. */
  find(manager: EntityManager, purpose: AccountTokenPurpose, tokenHash: string): Promise<AccountTokenEntity | null> {
    return manager.getRepository(AccountTokenEntity).findOneBy({ purpose, tokenHash });
  }

  /**
   * Marks the token used if it still is usable (not used, not expired at `at`), in one conditional
   * UPDATE: of two concurrent uses exactly one wins. Returns the token, or null when it was not usable.
   */
  async consume(manager: EntityManager, purpose: AccountTokenPurpose, tokenHash: string, at: Date): Promise<AccountTokenEntity | null> {
    const rows = returned<{ id: string }>(
      await manager.query(
        `UPDATE account_tokens SET used_at = $3
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
        RETURNING id`,
        [tokenHash, purpose, at],
      ),
    );
    return rows.length === 1 ? manager.getRepository(AccountTokenEntity).findOneBy({ id: rows[0].id }) : null;
  }

  /** Retires every still-usable token of `userId` for `purpose` (a reset done, an email verified). */
  async retireAll(manager: EntityManager, userId: string, purpose: AccountTokenPurpose, at: Date): Promise<void> {
    await manager.query(`UPDATE account_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, [
      userId,
      purpose,
      at,
    ]);
  }
}

/**
 * The rows of an `UPDATE … RETURNING` run through TypeORM's `query`: on PostgreSQL it answers
 * `[rows, affectedCount]` for UPDATE and DELETE, and the rows alone for SELECT and INSERT.
 */
export function returned<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
