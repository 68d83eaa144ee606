import type { EntityManager } from 'typeorm';

/** A UUID (any version), case-insensitive: what every id column of type uuid accepts. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID; anything else cannot name a row keyed by one (and must not reach a uuid column). */
export const isUuid = (value: string): boolean => UUID_PATTERN.test(value);

/**
 * Runs an UPDATE/DELETE … RETURNING and gives its rows. TypeORM answers UPDATE and DELETE with
 * `[rows, rowCount]` instead of the rows, unlike every other statement.
 */
export async function updateReturning<T>(manager: Pick<EntityManager, 'query'>, sql: string, params: unknown[]): Promise<T[]> {
  const [rows] = (await manager.query(sql, params)) as [T[], number];
  return rows;
}

/**
 * True for MongoDB's duplicate-key error (11000), which is all a unique index tells a losing
 * writer. FerretDB answers an update (updateOne, findAndModify) that breaks a unique index with
 * an InternalError naming SQLite's "UNIQUE constraint failed" instead: that counts too.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 11000 || (code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed'));
}
