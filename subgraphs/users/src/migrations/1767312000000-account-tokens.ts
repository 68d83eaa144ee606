import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Email verification and password reset: `users.email_verified_at`, and `account_tokens` — the
 * single-use reset and verification tokens, stored only as sha256 hashes, each with its expiry
 * and the time it was used (or superseded).
 */
export class AccountTokens1767312000000 implements MigrationInterface {
  name = 'AccountTokens1767312000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN email_verified_at timestamptz(3)`);
    await q.query(`
      CREATE TABLE account_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        purpose varchar(32) NOT NULL,
        token_hash char(64) NOT NULL,
        email varchar(254) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL,
        used_at timestamptz(3),
        CONSTRAINT account_tokens_token_hash_key UNIQUE (token_hash),
        CONSTRAINT account_tokens_purpose_check CHECK (purpose IN ('PASSWORD_RESET', 'EMAIL_VERIFICATION'))
      )`);
    await q.query(`CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose) WHERE used_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE account_tokens`);
    await q.query(`ALTER TABLE users DROP COLUMN email_verified_at`);
  }
}
