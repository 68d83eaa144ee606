import { cartTotals, checkAvailable, checkQuantity, priceLines, type ReplicaProduct } from './pricing';

const product = (productId: string, priceAmount: number, currency = 'USD', active = true): ReplicaProduct => ({
  productId,
  name: `Product ${productId}`,
  priceAmount,
  currency,
  active,
});
const catalog = (...products: ReplicaProduct[]) => new Map(products.map((p) => [p.productId, p]));

describe('quantities', () => {
  it.each([1, 2, 99])('accepts %i', (q) => expect(checkQuantity(q, ['quantity'])).toBeNull());
  it.each([0, -1, 100, 1.5, Number.NaN])('refuses %p as INVALID_INPUT on its field', (q) => {
    expect(checkQuantity(q, ['quantity'])).toMatchObject({ code: 'INVALID_INPUT', field: ['quantity'] });
  });
  it('accepts 0 where it means "remove", but still nothing above 99 or below 0', () => {
    expect(checkQuantity(0, ['quantity'], true)).toBeNull();
    expect(checkQuantity(100, ['quantity'], true)).toMatchObject({ code: 'INVALID_INPUT' });
    expect(checkQuantity(-1, ['quantity'], true)).toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('availability', () => {
  it('is PRODUCT_UNAVAILABLE for an unknown or archived product', () => {
    expect(checkAvailable(undefined, 'p1', ['productId'])).toMatchObject({ code: 'PRODUCT_UNAVAILABLE', field: ['productId'] });
    expect(checkAvailable(product('p1', 100, 'USD', false), 'p1', ['productId'])).toMatchObject({ code: 'PRODUCT_UNAVAILABLE' });
    expect(checkAvailable(product('p1', 100), 'p1', ['productId'])).toBeNull();
  });
});

describe('cart totals', () => {
  it('multiplies each line by the current price and sums quantities and money', () => {
    const totals = cartTotals(
      [
        { productId: 'a', quantity: 3 },
        { productId: 'b', quantity: 1 },
      ],
      catalog(product('a', 1999), product('b', 500)),
      'USD',
    );
    expect(totals).toEqual({
      lines: [
        { productId: 'a', quantity: 3, unitPrice: 1999, lineTotal: 5997, currency: 'USD' },
        { productId: 'b', quantity: 1, unitPrice: 500, lineTotal: 500, currency: 'USD' },
      ],
      itemCount: 4,
      subtotal: 6497,
      currency: 'USD',
    });
  });

  it('is zero in the default currency when empty', () => {
    expect(cartTotals([], new Map(), 'EUR')).toEqual({ lines: [], itemCount: 0, subtotal: 0, currency: 'EUR' });
  });

  it('never adds money of another currency into the subtotal', () => {
    const totals = cartTotals(
      [
        { productId: 'a', quantity: 1 },
        { productId: 'b', quantity: 2 },
      ],
      catalog(product('a', 1000, 'EUR'), product('b', 700, 'USD')),
      'USD',
    );
    expect(totals).toMatchObject({ subtotal: 1000, currency: 'EUR', itemCount: 3 });
  });
});

describe('pricing an order', () => {
  it('snapshots names and prices and totals them', () => {
    const result = priceLines([{ productId: 'a', quantity: 2 }], catalog(product('a', 1250)), ['input', 'items']);
    expect(result).toEqual({
      ok: true,
      lines: [{ productId: 'a', quantity: 2, productName: 'Product a', unitPrice: 1250, lineTotal: 2500, currency: 'USD' }],
      subtotal: 2500,
      currency: 'USD',
    });
  });

  it('names every unavailable line', () => {
    const result = priceLines(
      [
        { productId: 'a', quantity: 1 },
        { productId: 'gone', quantity: 1 },
        { productId: 'old', quantity: 1 },
      ],
      catalog(product('a', 1), product('old', 1, 'USD', false)),
      ['input', 'items'],
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        expect.objectContaining({ code: 'PRODUCT_UNAVAILABLE', field: ['input', 'items', '1', 'productId'] }),
        expect.objectContaining({ code: 'PRODUCT_UNAVAILABLE', field: ['input', 'items', '2', 'productId'] }),
      ],
    });
  });

  it('points errors at where the client sent the line', () => {
    const sent = ['x', 'gone', 'a'];
    const result = priceLines([{ productId: 'gone', quantity: 1 }], catalog(), ['input', 'items'], (line) => sent.indexOf(line.productId));
    expect(result).toEqual({ ok: false, errors: [expect.objectContaining({ field: ['input', 'items', '1', 'productId'] })] });
  });

  it('refuses mixed currencies as INVALID_INPUT', () => {
    const result = priceLines(
      [
        { productId: 'a', quantity: 1 },
        { productId: 'b', quantity: 1 },
      ],
      catalog(product('a', 1, 'USD'), product('b', 1, 'EUR')),
      ['input', 'items'],
    );
    expect(result).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'items'] })] });
  });
});
