import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';

/**
 * FerretDB 1.24 (SQLite backend) hangs for good on an `update` command carrying more than 100
 * statements, and every later read of that database hangs behind it. The driver sends a whole
 * bulkWrite as one command, so every bulk write here goes out in slices well under that.
 */
export const MAX_STATEMENTS_PER_COMMAND = 50;

/** Splits a list into slices of at most `size` items. */
export function slices<T>(items: readonly T[], size = MAX_STATEMENTS_PER_COMMAND): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** An unordered bulkWrite sent in slices of at most MAX_STATEMENTS_PER_COMMAND statements. */
export async function bulkWriteInSlices<T extends Document>(collection: Collection<T>, ops: AnyBulkWriteOperation<T>[]): Promise<void> {
  for (const slice of slices(ops)) await collection.bulkWrite(slice, { ordered: false });
}
