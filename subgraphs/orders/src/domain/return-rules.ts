/**
 * Returns (issue 15, api-next/fulfilment.graphql): who may return what, and how much comes back.
 * Pure, no I/O, no clock (the caller passes `now`); money in integer minor units.
 *
 * What can be returned. The order's owner asks within RETURN_WINDOW_DAYS of the order being
 * DELIVERED (every shipment delivered), for lines of that order. A line is named by productId
 * (and variantId when the order holds several variants of the product). Per ordered line, the
 * quantity asked plus what earlier returns of the order hold (every return not REJECTED) never
 * exceeds what was bought. Otherwise RETURN_NOT_ALLOWED (not delivered, past the window, not
 * bought, more than bought or already returned); malformed input (quantity < 1, empty reason,
 * no lines, an ambiguous product) is INVALID_INPUT.
 *
 * How much comes back (computed when the goods are received):
 *
 * 1. A line's paid amount is `unitPrice × quantity − discount + tax`: its share of the order's
 *    discounts (as priced at checkout) and its tax (only when prices exclude tax — included tax is
 *    already in the price). Shipping belongs to no line.
 * 2. Returning `n` of the line's `Q` units refunds its paid amount pro rata, cumulatively:
 *    `share(k) = halfEven(paid × k / Q)` for the k units received back so far, and a return
 *    refunds `share(before + n) − share(before)`. So however a line comes back (one by one or all
 *    at once) the refunds of its units add up to its paid amount exactly, never a cent more.
 * 3. Shipping is refunded only when the whole order comes back: the return that completes it (every
 *    unit of every line received back, this one included) refunds `total − refunded before`, i.e.
 *    the rest of the order's total, shipping and its tax included.
 */

import { divideHalfEven } from './checkout-pricing';

/** How long after delivery a return may be asked for. */
export const RETURN_WINDOW_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
export const MAX_REASON_LENGTH = 1000;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export const RETURN_STATUSES = ['REQUESTED', 'APPROVED', 'REJECTED', 'RECEIVED', 'REFUNDED'] as const;
export type ReturnStatusValue = (typeof RETURN_STATUSES)[number];

/** A line of the order as bought. */
export interface OrderedLine {
  productId: string;
  variantId: string;
  quantity: number;
  unitPrice: number;
  /** The line's share of the order's discounts. */
  discount: number;
  /** The line's tax (contained in the price when pricesIncludeTax). */
  tax: number;
}

/** A line of a return. */
export interface ReturnLineValue {
  productId: string;
  variantId: string;
  quantity: number;
}

export interface RequestedLine {
  productId: string;
  variantId?: string | null;
  quantity: number;
}

export type ReturnErrorCode = 'RETURN_NOT_ALLOWED' | 'INVALID_INPUT';
export interface ReturnRuleError {
  code: ReturnErrorCode;
  message: string;
  field: string[];
}

export interface ReturnRequestInput {
  orderStatus: string;
  /** When the order became DELIVERED (null: never). */
  deliveredAt: Date | null;
  ordered: OrderedLine[];
  /** Lines of the order's earlier returns that are not REJECTED. */
  alreadyReturned: ReturnLineValue[];
  lines: RequestedLine[];
  reason: string;
  now: Date;
}

export type ReturnRequestDecision = { ok: true; lines: ReturnLineValue[]; reason: string } | { ok: false; errors: ReturnRuleError[] };

const lineKey = (l: { productId: string; variantId: string }) => `${l.productId}\u0000${l.variantId}`;
const notAllowed = (message: string, field: string[]): ReturnRuleError => ({ code: 'RETURN_NOT_ALLOWED', message, field });
const invalid = (message: string, field: string[]): ReturnRuleError => ({ code: 'INVALID_INPUT', message, field });

/** Checks a reason text (a return's, or a rejection's); returns it trimmed, or an error on `field`. */
export function checkReason(reason: string, field: string[]): { value: string } | { error: ReturnRuleError } {
  const value = (reason ?? '').trim();
  if (!value) return { error: invalid('The reason must not be empty', field) };
  if (value.length > MAX_REASON_LENGTH) return { error: invalid(`The reason must be at most ${MAX_REASON_LENGTH} characters`, field) };
  if (CONTROL.test(value)) return { error: invalid('The reason must not contain control characters', field) };
  return { value };
}

/** Decides a return request: the lines to return (merged per ordered line, in order-line order), or why not. */
export function decideReturnRequest(input: ReturnRequestInput): ReturnRequestDecision {
  const errors: ReturnRuleError[] = [];
  const reason = checkReason(input.reason, ['input', 'reason']);
  if ('error' in reason) errors.push(reason.error);
  if (input.lines.length === 0) errors.push(invalid('Name at least one line to return', ['input', 'lines']));

  // The order first: nothing can be returned before delivery or after the window.
  if (input.orderStatus !== 'DELIVERED' || !input.deliveredAt) {
    return { ok: false, errors: [notAllowed(`Only a delivered order can be returned; this one is ${input.orderStatus}`, ['input', 'orderId']), ...errors] };
  }
  const closes = input.deliveredAt.getTime() + RETURN_WINDOW_DAYS * DAY_MS;
  if (input.now.getTime() > closes) {
    return { ok: false, errors: [notAllowed(`Returns are accepted within ${RETURN_WINDOW_DAYS} days of delivery; that ended ${new Date(closes).toISOString()}`, ['input', 'orderId']), ...errors] };
  }

  const asked = new Map<string, { line: OrderedLine; quantity: number; index: number }>();
  input.lines.forEach((requested, index) => {
    const field = ['input', 'lines', String(index)];
    const productId = (requested.productId ?? '').trim();
    const variantId = requested.variantId?.trim() || null;
    if (!Number.isInteger(requested.quantity) || requested.quantity < 1) {
      errors.push(invalid('quantity must be a whole number of at least 1', [...field, 'quantity']));
      return;
    }
    const candidates = input.ordered.filter((l) => l.productId === productId && (variantId === null || l.variantId === variantId));
    if (candidates.length === 0) {
      errors.push(notAllowed('This order has no such line', [...field, variantId ? 'variantId' : 'productId']));
      return;
    }
    if (candidates.length > 1) {
      errors.push(invalid('The order holds several variants of this product: name the variantId', [...field, 'variantId']));
      return;
    }
    const line = candidates[0];
    const key = lineKey(line);
    const before = asked.get(key);
    asked.set(key, { line, quantity: (before?.quantity ?? 0) + requested.quantity, index: before?.index ?? index });
  });

  const returned = new Map<string, number>();
  for (const r of input.alreadyReturned) returned.set(lineKey(r), (returned.get(lineKey(r)) ?? 0) + r.quantity);
  for (const { line, quantity, index } of asked.values()) {
    const left = line.quantity - (returned.get(lineKey(line)) ?? 0);
    if (quantity > left) {
      errors.push(
        notAllowed(
          left === 0
            ? 'Every unit of this line is already returned (or asked to be)'
            : `At most ${left} of this line can still be returned (bought ${line.quantity})`,
          ['input', 'lines', String(index), 'quantity'],
        ),
      );
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const lines = input.ordered
    .filter((l) => asked.has(lineKey(l)))
    .map((l) => ({ productId: l.productId, variantId: l.variantId, quantity: asked.get(lineKey(l))!.quantity }));
  return { ok: true, lines, reason: (reason as { value: string }).value };
}

/** What a line cost the customer: its total less its discount share, plus its tax unless prices include tax. */
export function paidForLine(line: OrderedLine, pricesIncludeTax: boolean): number {
  return Math.max(0, line.unitPrice * line.quantity - line.discount + (pricesIncludeTax ? 0 : line.tax));
}

export interface RefundInput {
  ordered: OrderedLine[];
  pricesIncludeTax: boolean;
  /** The order's total (what was charged). */
  total: number;
  /** Lines of the order's returns received before this one. */
  receivedBefore: ReturnLineValue[];
  /** What the returns received before this one refunded, together. */
  refundedBefore: number;
  /** This return's lines. */
  lines: ReturnLineValue[];
}

export interface RefundDecision {
  amount: number;
  /** True when this return completes the order (every unit back): the rest of the total, shipping included. */
  wholeOrder: boolean;
}

/** The refund of a return being received (the module comment's rules 1–3). */
export function refundForReturn(input: RefundInput): RefundDecision {
  const sum = (lines: ReturnLineValue[], key: string) => lines.filter((l) => lineKey(l) === key).reduce((s, l) => s + l.quantity, 0);
  let amount = 0;
  let wholeOrder = input.ordered.length > 0;
  for (const line of input.ordered) {
    const key = lineKey(line);
    const before = sum(input.receivedBefore, key);
    const now = sum(input.lines, key);
    if (before + now > line.quantity) throw new RangeError(`more units of ${key} returned than bought`);
    if (before + now < line.quantity) wholeOrder = false;
    if (now === 0) continue;
    const paid = paidForLine(line, input.pricesIncludeTax);
    amount += divideHalfEven(paid * (before + now), line.quantity) - divideHalfEven(paid * before, line.quantity);
  }
  if (wholeOrder) return { amount: Math.max(0, input.total - input.refundedBefore), wholeOrder };
  return { amount, wholeOrder };
}

/** The status changes a return allows (a person's request; the refund reply moves RECEIVED → REFUNDED). */
export const RETURN_TRANSITIONS: Readonly<Record<ReturnStatusValue, readonly ReturnStatusValue[]>> = {
  REQUESTED: ['APPROVED', 'REJECTED'],
  APPROVED: ['RECEIVED', 'REJECTED'],
  REJECTED: [],
  RECEIVED: ['REFUNDED'],
  REFUNDED: [],
};

/** Null when `from` may become `to`; otherwise why not. */
export function returnTransitionRefusal(from: ReturnStatusValue, to: ReturnStatusValue): string | null {
  if (RETURN_TRANSITIONS[from].includes(to)) return null;
  return `A return that is ${from} cannot become ${to}`;
}
