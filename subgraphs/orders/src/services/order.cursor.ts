import { z } from 'zod';
import { decodeCursor, encodeCursor } from '@shopgraph/kit';
import type { OrderCursor } from '../stores/order.store';

const shape = z.object({ t: z.number().int().nonnegative(), id: z.string().uuid() });

/** Cursor of an order in (created_at desc, id desc) order. */
export function orderCursor(order: { createdAt: Date; id: string }): string {
  return encodeCursor({ t: order.createdAt.getTime(), id: order.id });
}

/** Decodes `after`; a forged cursor is BAD_USER_INPUT. */
export function parseOrderCursor(after: string | null | undefined): OrderCursor | null {
  return after ? decodeCursor(after, shape) : null;
}
