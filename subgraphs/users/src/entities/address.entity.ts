import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A stored postal address of one user; at most one per user is the default. */
@Entity({ name: 'addresses' })
export class AddressEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 50, nullable: true })
  label!: string | null;

  @Column({ type: 'varchar', length: 100 })
  recipient!: string;

  @Column({ type: 'varchar', length: 200 })
  line1!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  line2!: string | null;

  @Column({ type: 'varchar', length: 100 })
  city!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  region!: string | null;

  @Column({ name: 'postal_code', type: 'varchar', length: 20 })
  postalCode!: string;

  @Column({ type: 'char', length: 2 })
  country!: string;

  @Column({ name: 'is_default', type: 'boolean' })
  isDefault!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
