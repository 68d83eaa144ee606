import { UserError, UserErrorCode } from '@shopgraph/kit';

/** The most units one product may have on hand: well inside PostgreSQL's integer range. */
export const MAX_ON_HAND = 1_000_000_000;
export const REASON_MAX_LENGTH = 200;
const PRODUCT_ID_MAX_LENGTH = 100;

const invalid = (message: string, field: string) => UserError.of(UserErrorCode.INVALID_INPUT, message, [field]);

/** True for a string that can be a product id (the products subgraph's ids are opaque, at most 100 chars). */
export function isProductId(id: string): boolean {
  return id.length > 0 && id.length <= PRODUCT_ID_MAX_LENGTH;
}

/** setStock's quantity: a whole number from 0 to MAX_ON_HAND. */
export function validateOnHand(onHand: number): UserError[] {
  if (!Number.isInteger(onHand) || onHand < 0) return [invalid('onHand must be a whole number, 0 or more', 'onHand')];
  if (onHand > MAX_ON_HAND) return [invalid(`onHand must be at most ${MAX_ON_HAND}`, 'onHand')];
  return [];
}

/** adjustStock's arguments: a non-zero delta within range and a reason of 1..200 characters (after trimming). */
export function validateAdjustment(delta: number, reason: string): UserError[] {
  const errors: UserError[] = [];
  if (!Number.isInteger(delta) || delta === 0) errors.push(invalid('delta must be a non-zero whole number', 'delta'));
  else if (Math.abs(delta) > MAX_ON_HAND) errors.push(invalid(`delta must be between -${MAX_ON_HAND} and ${MAX_ON_HAND}`, 'delta'));
  const trimmed = reason.trim();
  if (trimmed.length === 0 || trimmed.length > REASON_MAX_LENGTH) {
    errors.push(invalid(`reason must be 1 to ${REASON_MAX_LENGTH} characters`, 'reason'));
  }
  return errors;
}

/** A line of an order to reserve stock for. */
export interface StockLine {
  /** The stock item: a variant id (a product's own id for its default variant). */
  productId: string;
  quantity: number;
}

/**
 * Checks an order's lines and merges repeated products, sorted by product id so every
 * transaction locks stock rows in the same order (no deadlocks between concurrent reserves).
 * Throws on lines the saga should never send (the command contract already rules them out).
 */
export function normalizeLines(lines: readonly StockLine[]): StockLine[] {
  if (lines.length === 0) throw new Error('a reservation needs at least one line');
  const merged = new Map<string, number>();
  for (const { productId, quantity } of lines) {
    if (!isProductId(productId)) throw new Error(`bad product id ${JSON.stringify(productId)}`);
    if (!Number.isInteger(quantity) || quantity <= 0 || quantity > MAX_ON_HAND) throw new Error(`bad quantity ${quantity} for ${productId}`);
    merged.set(productId, (merged.get(productId) ?? 0) + quantity);
  }
  return [...merged]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([productId, quantity]) => ({ productId, quantity }));
}
