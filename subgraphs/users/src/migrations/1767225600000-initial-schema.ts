import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, addresses, refresh tokens and signing keys. */
export class InitialSchema1767225600000 implements MigrationInterface {
  name = 'InitialSchema1767225600000';

  async up(q: QueryRunner): Promise<void> {
    // Millisecond precision: cursors carry created_at as a JS Date, which has no microseconds.
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email varchar(254) NOT NULL,
        name varchar(100) NOT NULL,
        role varchar(16) NOT NULL DEFAULT 'CUSTOMER',
        password_hash text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT users_email_key UNIQUE (email),
        CONSTRAINT users_email_normalized CHECK (email = lower(btrim(email))),
        CONSTRAINT users_role_check CHECK (role IN ('CUSTOMER', 'ADMIN'))
      )`);
    await q.query(`CREATE INDEX users_created_at_id_idx ON users (created_at, id)`);

    await q.query(`
      CREATE TABLE addresses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        label varchar(50),
        recipient varchar(100) NOT NULL,
        line1 varchar(200) NOT NULL,
        line2 varchar(200),
        city varchar(100) NOT NULL,
        region varchar(100),
        postal_code varchar(20) NOT NULL,
        country char(2) NOT NULL,
        is_default boolean NOT NULL DEFAULT false,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX addresses_user_id_idx ON addresses (user_id, created_at)`);
    await q.query(`CREATE UNIQUE INDEX addresses_one_default_per_user ON addresses (user_id) WHERE is_default`);

    await q.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        family_id uuid NOT NULL,
        token_hash char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        rotated_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
      )`);
    await q.query(`CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id)`);

    await q.query(`
      CREATE TABLE signing_keys (
        kid varchar(64) PRIMARY KEY,
        algorithm varchar(16) NOT NULL,
        private_jwk jsonb NOT NULL,
        public_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        active boolean NOT NULL DEFAULT true
      )`);
    // The database itself guarantees a single active key, whatever replicas race at start.
    await q.query(`CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (active) WHERE active`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE signing_keys`);
    await q.query(`DROP TABLE refresh_tokens`);
    await q.query(`DROP TABLE addresses`);
    await q.query(`DROP TABLE users`);
  }
}
