import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A stored account: the row behind a User, including the password hash the API never exposes. */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** Always lowercase and trimmed (normalized before it is written). */
  @Column({ type: 'varchar', length: 254, unique: true })
  email!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: 'CUSTOMER' | 'ADMIN';

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  /** When the user proved they own `email` (a verification link, or a password reset by mail); null until then. */
  @Column({ name: 'email_verified_at', type: 'timestamptz', precision: 3, nullable: true })
  emailVerifiedAt?: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
