import { In, type DataSource } from 'typeorm';
import { AddressEntity } from '../entities/address.entity';
import { isUuid } from './user.store';

/** Addresses in PostgreSQL. */
export class AddressStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Addresses of these users in one query, oldest first. */
  findByUserIds(userIds: readonly string[]): Promise<AddressEntity[]> {
    const valid = [...new Set(userIds.filter(isUuid))];
    if (!valid.length) return Promise.resolve([]);
    return this.dataSource.getRepository(AddressEntity).find({ where: { userId: In(valid) }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /**
   * Adds an address; when it is the default (asked for, or the user's first), the previous
   * default is cleared in the same transaction. The user row lock serializes concurrent adds.
   */
  add(address: Omit<AddressEntity, 'isDefault'>, makeDefault: boolean): Promise<AddressEntity> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [address.userId]);
      const repo = manager.getRepository(AddressEntity);
      const isDefault = makeDefault || !(await repo.existsBy({ userId: address.userId }));
      if (isDefault) await repo.update({ userId: address.userId, isDefault: true }, { isDefault: false });
      const row = { ...address, isDefault };
      await repo.insert(row);
      return repo.create(row);
    });
  }

  /** Deletes the address if it belongs to `userId`; returns it, or null when there is no such address of theirs. */
  async remove(userId: string, id: string): Promise<AddressEntity | null> {
    if (!isUuid(id)) return null;
    return this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(AddressEntity);
      const address = await repo.findOneBy({ id, userId });
      if (!address) return null;
      const { affected } = await repo.delete({ id, userId });
      return affected === 1 ? address : null;
    });
  }
}
