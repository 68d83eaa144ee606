import { isUuid } from '@shopgraph/kit';
import { In, QueryFailedError, type DataSource, type EntityManager, type Repository } from 'typeorm';
import { UserEntity } from '../entities/user.entity';

/** True for a syntactically valid uuid: anything else can never match a row, so it is never sent to PostgreSQL. */
export { isUuid };

/** Thrown by `insert` when the email is taken. */
export class DuplicateEmailError extends Error {}

/** Position in the users list: the last (created_at, id) seen. */
export interface UserCursor {
  createdAt: Date;
  id: string;
}

/** Users in PostgreSQL. */
export class UserStore {
  private readonly repo: Repository<UserEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(UserEntity);
  }

  /** The users with these ids, in one query; malformed ids are skipped. */
  findByIds(ids: readonly string[]): Promise<UserEntity[]> {
    const valid = [...new Set(ids.filter(isUuid))];
    return valid.length ? this.repo.findBy({ id: In(valid) }) : Promise.resolve([]);
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ email });
  }

  /** Inserts a new user (in `manager`'s transaction when given); DuplicateEmailError when the (normalized) email exists. */
  async insert(user: UserEntity, manager?: EntityManager): Promise<void> {
    try {
      await (manager ? manager.getRepository(UserEntity) : this.repo).insert(user);
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new DuplicateEmailError(user.email);
      }
      throw error;
    }
  }

  /** Applies `changes` and returns the updated user, or null when it does not exist. */
  async update(id: string, changes: Partial<Pick<UserEntity, 'name' | 'role'>>): Promise<UserEntity | null> {
    if (!isUuid(id)) return null;
    const { affected } = await this.repo.update({ id }, { ...changes, updatedAt: new Date() });
    return affected ? this.repo.findOneBy({ id }) : null;
  }

  /** Up to `limit` users after `after`, in the stable order (created_at, id). */
  page(after: UserCursor | null, limit: number): Promise<UserEntity[]> {
    const query = this.repo.createQueryBuilder('u').orderBy('u.createdAt', 'ASC').addOrderBy('u.id', 'ASC').limit(limit);
    if (after) query.where('(u.createdAt, u.id) > (:createdAt, :id)', after);
    return query.getMany();
  }

  count(): Promise<number> {
    return this.repo.count();
  }
}
