import { createHash } from 'node:crypto';
import { normalizeAddress, paymentTokenProblem, UserError, UserErrorCode, validateAddress } from '@shopgraph/kit';
import { checkQuantity, MAX_LINE_QUANTITY, MAX_LINES, type Line } from './pricing';

/** The shipping address stored on an order. */
export interface ShippingAddressFields {
  recipient: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string;
  country: string;
}

/** placeOrder's input as the client sent it. */
export interface PlaceOrderFields {
  idempotencyKey: string;
  items?: (Omit<Line, 'variantId'> & { variantId?: string | null })[] | null;
  shippingAddress: { recipient: string; line1: string; line2?: string | null; city: string; region?: string | null; postalCode: string; country: string };
  paymentToken: string;
  /** Checkout (issue 14): default the cheapest method that ships to the address. */
  shippingMethodId?: string | null;
  /** Promotion codes (case-insensitive). */
  promotionCodes?: string[] | null;
  /** If given and the computed total differs: CONFLICT, no order. */
  expectedTotal?: number | null;
  /** A guest cart to check out (guests; a signed-in user may check out a guest cart they hold). */
  cartId?: string | null;
  /** Guests: where the order's emails go (required); ignored when signed in. */
  email?: string | null;
}

/** placeOrder's input in canonical form: what the idempotency hash covers. */
export interface NormalizedOrderInput {
  idempotencyKey: string;
  /** Lines merged by product and sorted by product id; null = check out the cart. */
  lines: Line[] | null;
  shippingAddress: ShippingAddressFields;
  paymentToken: string;
  /** The guest cart checked out (null: the signed-in user's cart, or items). */
  cartId: string | null;
  /** Guests only, trimmed and lower-cased (null when signed in: the account's email is used). */
  email: string | null;
  shippingMethodId: string | null;
  /** Upper case, each once, sorted; null = the default (the cart's codes). */
  promotionCodes: string[] | null;
  expectedTotal: number | null;
}

/** A plausible email address (the users subgraph's rule). */
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** Canonical form of an email: trimmed and lower-cased. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** An INVALID_INPUT error for an email that is missing or implausible (a guest's order needs one). */
export function guestEmailError(email: string | null): UserError | null {
  if (!email) return invalid('A guest order needs an email: where the order\'s emails go', ['input', 'email']);
  if (email.length > 254 || !EMAIL.test(email)) return invalid('Enter a valid email address', ['input', 'email']);
  return null;
}

const invalid = (message: string, field: string[]) => UserError.of(UserErrorCode.INVALID_INPUT, message, field);

/** Merges lines of the same variant (summing quantities; no variantId = the product's default variant) and sorts them by product, then variant id. */
export function mergeLines(lines: Line[]): Line[] {
  const byKey = new Map<string, Line>();
  for (const line of lines) {
    const key = JSON.stringify([line.productId, line.variantId ?? null]);
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...seen, quantity: seen.quantity + line.quantity } : { ...line });
  }
  const order = (l: Line) => `${l.productId}\u0000${l.variantId ?? ''}`;
  return [...byKey.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/** Trims, merges and sorts: two inputs that mean the same order normalize to the same value. */
export function normalizeOrderInput(input: PlaceOrderFields, signedIn = true): NormalizedOrderInput {
  const a = normalizeAddress(input.shippingAddress);
  return {
    idempotencyKey: input.idempotencyKey.trim(),
    lines: input.items
      ? mergeLines(input.items.map((l) => ({ productId: l.productId.trim(), ...(l.variantId?.trim() ? { variantId: l.variantId.trim() } : {}), quantity: l.quantity })))
      : null,
    shippingAddress: { recipient: a.recipient, line1: a.line1, line2: a.line2 ?? null, city: a.city, region: a.region ?? null, postalCode: a.postalCode, country: a.country },
    paymentToken: input.paymentToken.trim(),
    cartId: input.cartId?.trim() || null,
    email: signedIn ? null : input.email?.trim() ? normalizeEmail(input.email) : null,
    shippingMethodId: input.shippingMethodId?.trim() || null,
    promotionCodes: input.promotionCodes ? [...new Set(input.promotionCodes.map((c) => c.trim().toUpperCase()).filter(Boolean))].sort() : null,
    expectedTotal: input.expectedTotal ?? null,
  };
}

/**
 * SHA-256 of the normalized input without its idempotency key: a retry with the same key and
 * this hash is the same order; the same key with another hash is a CONFLICT. Keys are written
 * in a fixed order so the hash never depends on property order.
 */
export function hashOrderInput(input: NormalizedOrderInput): string {
  const a = input.shippingAddress;
  const canonical = JSON.stringify([
    // A line without a variant hashes as before variants existed, so a retry from then still matches.
    input.lines ? input.lines.map((l) => (l.variantId ? [l.productId, l.variantId, l.quantity] : [l.productId, l.quantity])) : 'cart',
    [a.recipient, a.line1, a.line2, a.city, a.region, a.postalCode, a.country],
    input.paymentToken,
    // The checkout fields, only when one is given: an input without them hashes as before they existed.
    ...(input.cartId != null || input.email != null || input.shippingMethodId != null || input.promotionCodes != null || input.expectedTotal != null
      ? [[input.cartId, input.email, input.shippingMethodId, input.promotionCodes, input.expectedTotal]]
      : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** Errors in the key, token and address of a normalized input, each with its field path. */
export function validateOrderInput(input: NormalizedOrderInput): UserError[] {
  const errors: UserError[] = [];
  if (input.idempotencyKey.length === 0 || input.idempotencyKey.length > 200) {
    errors.push(invalid('idempotencyKey must be 1 to 200 characters', ['input', 'idempotencyKey']));
  }
  if (input.paymentToken.length === 0) {
    errors.push(invalid('paymentToken is required', ['input', 'paymentToken']));
  } else {
    // A raw card number is refused before anything is stored, hashed into a key or published.
    const problem = paymentTokenProblem(input.paymentToken);
    if (problem) errors.push(invalid(problem, ['input', 'paymentToken']));
  }
  errors.push(...validateAddress(input.shippingAddress, ['input', 'shippingAddress']));
  return errors;
}

/**
 * Errors in the lines as sent (before merging): at least one, each quantity 1..99, and a
 * product's merged quantity at most 99 too. `null` lines (cart checkout) are checked later.
 */
export function validateOrderLines(items: PlaceOrderFields['items']): UserError[] {
  if (!items) return [];
  if (items.length === 0) return [invalid('An order needs at least one line', ['input', 'items'])];
  const errors: UserError[] = [];
  items.forEach((line, i) => {
    const field = ['input', 'items', String(i)];
    if (line.productId.trim().length === 0) errors.push(invalid('productId is required', [...field, 'productId']));
    const bad = checkQuantity(line.quantity, [...field, 'quantity']);
    if (bad) errors.push(bad);
  });
  if (errors.length > 0) return errors;
  const merged = mergeLines(items.map((l) => ({ productId: l.productId.trim(), ...(l.variantId?.trim() ? { variantId: l.variantId.trim() } : {}), quantity: l.quantity })));
  if (merged.length > MAX_LINES) return [invalid(`An order holds at most ${MAX_LINES} different products`, ['input', 'items'])];
  for (const line of merged) {
    if (line.quantity > MAX_LINE_QUANTITY) {
      const i = items.findIndex((l) => l.productId.trim() === line.productId && (l.variantId?.trim() || undefined) === line.variantId);
      errors.push(invalid(`At most ${MAX_LINE_QUANTITY} of one product per order`, ['input', 'items', String(i), 'quantity']));
    }
  }
  return errors;
}
