import { z } from 'zod';
import { badUserInput } from '../errors';
import { PageInfo } from './common.types';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Validates a connection's `first` argument: default 20, 0..100, else BAD_USER_INPUT. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be between 0 and ${MAX_PAGE_SIZE}`, ['first']);
  }
  return first;
}

/** Opaque cursor: base64url of a small JSON value. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Decodes a cursor made by `encodeCursor` and checks its shape; a forged or stale one is BAD_USER_INPUT. */
export function decodeCursor<T>(cursor: string, shape: z.ZodType<T>): T {
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the error below
  }
  throw badUserInput('after is not a valid cursor', ['after']);
}

/** Builds edges and PageInfo from one page fetched with `first + 1` rows (the extra row tells hasNextPage). */
export function connectionFrom<Row, Node>(
  rows: Row[],
  first: number,
  cursorOf: (row: Row) => string,
  toNode: (row: Row) => Node,
  hasPrevious: boolean,
): { edges: { cursor: string; node: Node }[]; pageInfo: PageInfo } {
  const page = rows.slice(0, first);
  const edges = page.map((row) => ({ cursor: cursorOf(row), node: toNode(row) }));
  const pageInfo = Object.assign(new PageInfo(), {
    hasNextPage: rows.length > first,
    hasPreviousPage: hasPrevious,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges[edges.length - 1]?.cursor ?? null,
  });
  return { edges, pageInfo };
}
