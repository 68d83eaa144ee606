import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What an account token is for. */
export type AccountTokenPurpose = 'PASSWORD_RESET' | 'EMAIL_VERIFICATION';

/** A single-use password-reset or email-verification token, stored only as the sha256 of the value mailed to the user. */
@Entity({ name: 'account_tokens' })
export class AccountTokenEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 32 })
  purpose!: AccountTokenPurpose;

  @Column({ name: 'token_hash', type: 'char', length: 64, unique: true })
  tokenHash!: string;

  /** The address the token was mailed to: a verification only verifies the email the user still has. */
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', precision: 3 })
  expiresAt!: Date;

  /** When it was used, or superseded (a successful reset retires every other reset token of the user); null while usable. */
  @Column({ name: 'used_at', type: 'timestamptz', precision: 3, nullable: true })
  usedAt!: Date | null;
}
