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
