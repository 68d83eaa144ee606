import { z } from 'zod';
import { badUserInput, decodeCursor, encodeCursor } from '@shopgraph/kit';

/** Position in the lowStock list, ordered by (available, productId). */
export interface LowStockCursor {
  available: number;
  productId: string;
}

const shape = z.object({ a: z.number().int().min(0), id: z.string().min(1).max(100) });

/** Opaque cursor of a row of the lowStock list. */
export function encodeLowStockCursor(position: LowStockCursor): string {
  return encodeCursor({ a: position.available, id: position.productId });
}

/** Decodes an `after` cursor; a forged or foreign one is BAD_USER_INPUT. */
export function decodeLowStockCursor(cursor: string): LowStockCursor {
  const { a, id } = decodeCursor(cursor, shape);
  return { available: a, productId: id };
}

/** lowStock's threshold: a whole number, 0 or more (malformed input the schema cannot express). */
export function checkThreshold(threshold: number): number {
  if (!Number.isInteger(threshold) || threshold < 0) throw badUserInput('threshold must be 0 or more', ['threshold']);
  return threshold;
}
