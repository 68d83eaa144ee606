import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JWK } from 'jose';

/** A JWT signing key pair shared by every replica; only one is active (signs), all are published. */
@Entity({ name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid!: string;

  @Column({ type: 'varchar', length: 16 })
  algorithm!: string;

  @Column({ name: 'private_jwk', type: 'jsonb' })
  privateJwk!: JWK;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk!: JWK;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'boolean' })
  active!: boolean;
}
