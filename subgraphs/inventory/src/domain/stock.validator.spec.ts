import { UserErrorCode } from '@shopgraph/kit';
import { MAX_ON_HAND, normalizeLines, validateAdjustment, validateOnHand } from './stock.validator';

describe('stock validation', () => {
  it('accepts on-hand quantities from 0 to the maximum only', () => {
    expect(validateOnHand(0)).toEqual([]);
    expect(validateOnHand(MAX_ON_HAND)).toEqual([]);
    for (const bad of [-1, MAX_ON_HAND + 1, 1.5]) {
      expect(validateOnHand(bad)).toEqual([expect.objectContaining({ code: UserErrorCode.INVALID_INPUT, field: ['onHand'] })]);
    }
  });

  it('wants a non-zero delta and a reason of 1..200 characters after trimming', () => {
    expect(validateAdjustment(-3, 'damaged in transit')).toEqual([]);
    expect(validateAdjustment(5, 'x'.repeat(200))).toEqual([]);
    expect(validateAdjustment(0, 'why').map((e) => e.field)).toEqual([['delta']]);
    expect(validateAdjustment(-MAX_ON_HAND - 1, 'why').map((e) => e.field)).toEqual([['delta']]);
    expect(validateAdjustment(1, '   ').map((e) => e.field)).toEqual([['reason']]);
    expect(validateAdjustment(1, 'x'.repeat(201)).map((e) => e.field)).toEqual([['reason']]);
    expect(validateAdjustment(0, '').map((e) => e.field)).toEqual([['delta'], ['reason']]);
  });

  it('merges repeated products and sorts lines by product id (the lock order)', () => {
    expect(
      normalizeLines([
        { productId: 'b', quantity: 1 },
        { productId: 'a', quantity: 2 },
        { productId: 'b', quantity: 3 },
        { productId: 'B', quantity: 1 },
      ]),
    ).toEqual([
      { productId: 'B', quantity: 1 },
      { productId: 'a', quantity: 2 },
      { productId: 'b', quantity: 4 },
    ]);
  });

  it('refuses lines the command contract never allows', () => {
    expect(() => normalizeLines([])).toThrow(/at least one line/);
    expect(() => normalizeLines([{ productId: 'a', quantity: 0 }])).toThrow(/bad quantity/);
    expect(() => normalizeLines([{ productId: '', quantity: 1 }])).toThrow(/bad product id/);
    expect(() => normalizeLines([{ productId: 'x'.repeat(101), quantity: 1 }])).toThrow(/bad product id/);
  });
});
