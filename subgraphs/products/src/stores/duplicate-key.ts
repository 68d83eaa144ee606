/** True for MongoDB's duplicate-key error (11000), which is all a unique index tells a losing writer. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
