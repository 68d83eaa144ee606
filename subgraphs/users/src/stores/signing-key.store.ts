import type { DataSource } from 'typeorm';
import { SigningKeyEntity } from '../entities/signing-key.entity';

// Any constant shared by every replica; serializes "find or create the active key".
const ACTIVE_KEY_LOCK = 0x75736572;

/** JWT signing keys in PostgreSQL, shared by all replicas of the subgraph. */
export class SigningKeyStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Returns the active key, creating it with `generate` when there is none. An advisory lock
   * makes replicas starting together agree on one key (the partial unique index backs it up).
   */
  activeOrCreate(generate: () => Promise<Omit<SigningKeyEntity, 'createdAt' | 'active'>>): Promise<SigningKeyEntity> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [ACTIVE_KEY_LOCK]);
      const repo = manager.getRepository(SigningKeyEntity);
      const active = await repo.findOneBy({ active: true });
      if (active) return active;
      const key = { ...(await generate()), createdAt: new Date(), active: true };
      await repo.insert(key);
      return key;
    });
  }

  /** Every stored key, newest first: all are published so tokens signed before a rotation still verify. */
  all(): Promise<SigningKeyEntity[]> {
    return this.dataSource.getRepository(SigningKeyEntity).find({ order: { createdAt: 'DESC' } });
  }
}
