/**
 * The rows of an `UPDATE … RETURNING` through TypeORM's `query` (its PostgreSQL driver answers
 * UPDATE and DELETE with `[rows, affectedCount]`, other statements with the rows themselves).
 */
export function returned<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
