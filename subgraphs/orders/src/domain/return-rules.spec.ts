import { checkReason, decideReturnRequest, paidForLine, refundForReturn, returnTransitionRefusal, RETURN_WINDOW_DAYS, type OrderedLine, type ReturnRequestInput } from './return-rules';

const DAY = 24 * 60 * 60 * 1000;
const deliveredAt = new Date('2026-11-01T12:00:00Z');
const line = (productId: string, quantity: number, unitPrice: number, discount = 0, tax = 0, variantId = productId): OrderedLine => ({
  productId,
  variantId,
  quantity,
  unitPrice,
  discount,
  tax,
});
const ordered = [line('a', 2, 1000), line('b', 1, 2500), line('c', 3, 700)];
const request = (over: Partial<ReturnRequestInput> = {}): ReturnRequestInput => ({
  orderStatus: 'DELIVERED',
  deliveredAt,
  ordered,
  alreadyReturned: [],
  lines: [{ productId: 'a', quantity: 1 }],
  reason: '  too small ',
  now: new Date(deliveredAt.getTime() + DAY),
  ...over,
});

describe('return requests', () => {
  it('accepts delivered lines within the window, merged per ordered line and in order-line order, reason trimmed', () => {
    const decision = decideReturnRequest(
      request({ lines: [{ productId: 'c', quantity: 1 }, { productId: 'a', variantId: 'a', quantity: 1 }, { productId: 'c', quantity: 2 }] }),
    );
    expect(decision).toEqual({
      ok: true,
      reason: 'too small',
      lines: [
        { productId: 'a', variantId: 'a', quantity: 1 },
        { productId: 'c', variantId: 'c', quantity: 3 },
      ],
    });
  });

  it('refuses an order that is not delivered, and one past the window (the last moment still counts)', () => {
    for (const status of ['CONFIRMED', 'SHIPPED', 'CANCELLED']) {
      const d = decideReturnRequest(request({ orderStatus: status, deliveredAt: null }));
      expect(d).toMatchObject({ ok: false, errors: [{ code: 'RETURN_NOT_ALLOWED', field: ['input', 'orderId'] }] });
    }
    const closes = deliveredAt.getTime() + RETURN_WINDOW_DAYS * DAY;
    expect(decideReturnRequest(request({ now: new Date(closes) })).ok).toBe(true);
    expect(decideReturnRequest(request({ now: new Date(closes + 1) }))).toMatchObject({ ok: false, errors: [{ code: 'RETURN_NOT_ALLOWED' }] });
  });

  it('refuses more than was bought, lines not bought, and units already in other returns', () => {
    expect(decideReturnRequest(request({ lines: [{ productId: 'a', quantity: 3 }] }))).toEqual({
      ok: false,
      errors: [{ code: 'RETURN_NOT_ALLOWED', message: 'At most 2 of this line can still be returned (bought 2)', field: ['input', 'lines', '0', 'quantity'] }],
    });
    // Two entries of one line add up.
    expect(decideReturnRequest(request({ lines: [{ productId: 'a', quantity: 2 }, { productId: 'a', quantity: 1 }] }))).toMatchObject({
      ok: false,
      errors: [{ code: 'RETURN_NOT_ALLOWED', field: ['input', 'lines', '0', 'quantity'] }],
    });
    expect(decideReturnRequest(request({ lines: [{ productId: 'zzz', quantity: 1 }] }))).toMatchObject({
      ok: false,
      errors: [{ code: 'RETURN_NOT_ALLOWED', field: ['input', 'lines', '0', 'productId'] }],
    });
    expect(decideReturnRequest(request({ lines: [{ productId: 'a', variantId: 'other', quantity: 1 }] }))).toMatchObject({
      ok: false,
      errors: [{ code: 'RETURN_NOT_ALLOWED', field: ['input', 'lines', '0', 'variantId'] }],
    });
    const already = [{ productId: 'b', variantId: 'b', quantity: 1 }];
    expect(decideReturnRequest(request({ alreadyReturned: already, lines: [{ productId: 'b', quantity: 1 }] }))).toMatchObject({
      ok: false,
      errors: [{ code: 'RETURN_NOT_ALLOWED', message: 'Every unit of this line is already returned (or asked to be)' }],
    });
    expect(decideReturnRequest(request({ alreadyReturned: [{ productId: 'a', variantId: 'a', quantity: 1 }], lines: [{ productId: 'a', quantity: 1 }] })).ok).toBe(true);
  });

  it('refuses malformed input as INVALID_INPUT: quantity < 1, no lines, empty or control-character reason, an ambiguous product', () => {
    expect(decideReturnRequest(request({ lines: [{ productId: 'a', quantity: 0 }] }))).toMatchObject({
      ok: false,
      errors: [{ code: 'INVALID_INPUT', field: ['input', 'lines', '0', 'quantity'] }],
    });
    expect(decideReturnRequest(request({ lines: [{ productId: 'a', quantity: 1.5 }] }))).toMatchObject({ ok: false, errors: [{ code: 'INVALID_INPUT' }] });
    expect(decideReturnRequest(request({ lines: [] }))).toMatchObject({ ok: false, errors: [{ code: 'INVALID_INPUT', field: ['input', 'lines'] }] });
    expect(decideReturnRequest(request({ reason: '   ' }))).toMatchObject({ ok: false, errors: [{ code: 'INVALID_INPUT', field: ['input', 'reason'] }] });
    expect(checkReason('a\u0000b', ['reason'])).toEqual({ error: { code: 'INVALID_INPUT', message: 'The reason must not contain control characters', field: ['reason'] } });
    expect(checkReason('x'.repeat(1001), ['reason'])).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    expect(checkReason('line one\nline two', ['reason'])).toEqual({ value: 'line one\nline two' });
    const variants = [line('shirt', 1, 2000, 0, 0, 'shirt-m'), line('shirt', 1, 2000, 0, 0, 'shirt-l')];
    expect(decideReturnRequest(request({ ordered: variants, lines: [{ productId: 'shirt', quantity: 1 }] }))).toMatchObject({
      ok: false,
      errors: [{ code: 'INVALID_INPUT', field: ['input', 'lines', '0', 'variantId'] }],
    });
    expect(decideReturnRequest(request({ ordered: variants, lines: [{ productId: 'shirt', variantId: 'shirt-l', quantity: 1 }] }))).toMatchObject({
      ok: true,
      lines: [{ productId: 'shirt', variantId: 'shirt-l', quantity: 1 }],
    });
  });
});

describe('refund of a return', () => {
  it('a line\'s paid amount: its total less its discount share, plus its tax unless prices include tax', () => {
    expect(paidForLine(line('a', 2, 1000, 150, 185), false)).toBe(2035);
    expect(paidForLine(line('a', 2, 1000, 150, 185), true)).toBe(1850);
  });

  it('refunds the returned lines with their share of discounts and tax, never shipping', () => {
    // Order: a 2×1000 (discount 200, tax 144), b 1×2500 (discount 250, tax 180), shipping 500 + tax 40.
    const lines = [line('a', 2, 1000, 200, 144), line('b', 1, 2500, 250, 180)];
    const total = 4500 - 450 + 500 + 144 + 180 + 40;
    const refund = refundForReturn({
      ordered: lines,
      pricesIncludeTax: false,
      total,
      receivedBefore: [],
      refundedBefore: 0,
      lines: [{ productId: 'b', variantId: 'b', quantity: 1 }],
    });
    expect(refund).toEqual({ amount: 2500 - 250 + 180, wholeOrder: false });
  });

  it('splits a line pro rata, half-even, so its units add up to its paid amount exactly', () => {
    // paid = 3×333 − 100 + 0 = 899; one unit: halfEven(899/3 = 299.67) = 300, two: halfEven(599.33) = 599, three: 899.
    const ordered3 = [line('a', 3, 333, 100), line('b', 1, 100)];
    const base = { ordered: ordered3, pricesIncludeTax: false, total: 999 - 100 + 100 + 450 };
    const first = refundForReturn({ ...base, receivedBefore: [], refundedBefore: 0, lines: [{ productId: 'a', variantId: 'a', quantity: 1 }] });
    const second = refundForReturn({
      ...base,
      receivedBefore: [{ productId: 'a', variantId: 'a', quantity: 1 }],
      refundedBefore: first.amount,
      lines: [{ productId: 'a', variantId: 'a', quantity: 1 }],
    });
    const third = refundForReturn({
      ...base,
      receivedBefore: [{ productId: 'a', variantId: 'a', quantity: 2 }],
      refundedBefore: first.amount + second.amount,
      lines: [{ productId: 'a', variantId: 'a', quantity: 1 }],
    });
    expect([first.amount, second.amount, third.amount]).toEqual([300, 299, 300]);
    expect(first.amount + second.amount + third.amount).toBe(899);
    const all = refundForReturn({ ...base, receivedBefore: [], refundedBefore: 0, lines: [{ productId: 'a', variantId: 'a', quantity: 3 }] });
    expect(all.amount).toBe(899);
  });

  it('the return that brings the whole order back refunds the rest of the total, shipping included', () => {
    const lines = [line('a', 2, 1000, 200, 144), line('b', 1, 2500, 250, 180)];
    const total = 4500 - 450 + 500 + 144 + 180 + 40;
    const firstLines = [{ productId: 'b', variantId: 'b', quantity: 1 }];
    const first = refundForReturn({ ordered: lines, pricesIncludeTax: false, total, receivedBefore: [], refundedBefore: 0, lines: firstLines });
    const rest = refundForReturn({
      ordered: lines,
      pricesIncludeTax: false,
      total,
      receivedBefore: firstLines,
      refundedBefore: first.amount,
      lines: [{ productId: 'a', variantId: 'a', quantity: 2 }],
    });
    expect(rest.wholeOrder).toBe(true);
    expect(first.amount + rest.amount).toBe(total);
    expect(rest.amount).toBe(2000 - 200 + 144 + 500 + 40);
  });

  it('refuses to refund more units than were bought', () => {
    expect(() =>
      refundForReturn({ ordered: [line('a', 1, 100)], pricesIncludeTax: false, total: 100, receivedBefore: [{ productId: 'a', variantId: 'a', quantity: 1 }], refundedBefore: 100, lines: [{ productId: 'a', variantId: 'a', quantity: 1 }] }),
    ).toThrow(RangeError);
  });
});

describe('return status changes', () => {
  it('REQUESTED → APPROVED | REJECTED; APPROVED → RECEIVED | REJECTED; RECEIVED → REFUNDED; nothing else', () => {
    expect(returnTransitionRefusal('REQUESTED', 'APPROVED')).toBeNull();
    expect(returnTransitionRefusal('REQUESTED', 'REJECTED')).toBeNull();
    expect(returnTransitionRefusal('APPROVED', 'RECEIVED')).toBeNull();
    expect(returnTransitionRefusal('RECEIVED', 'REFUNDED')).toBeNull();
    expect(returnTransitionRefusal('REQUESTED', 'RECEIVED')).toBe('A return that is REQUESTED cannot become RECEIVED');
    expect(returnTransitionRefusal('REJECTED', 'APPROVED')).not.toBeNull();
    expect(returnTransitionRefusal('RECEIVED', 'REJECTED')).not.toBeNull();
    expect(returnTransitionRefusal('REFUNDED', 'RECEIVED')).not.toBeNull();
  });
});
