import { UserErrorCode } from '@shopgraph/kit';
import { defaultVariantChoice } from '../services/cart.service';
import { mergeLines } from './order-input';
import { cartTotals, checkAvailable, checkQuantity, priceLines, type ReplicaProduct } from './pricing';

const product = (productId: string, priceAmount: number, currency = 'USD', active = true): ReplicaProduct => ({
  variantId: productId,
  productId,
  name: `Product ${productId}`,
  sku: `SKU-${productId}`,
  title: `Product ${productId}`,
  options: [],
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
      lines: [
        {
          productId: 'a',
          variantId: 'a',
          sku: 'SKU-a',
          variantTitle: 'Product a',
          variantOptions: [],
          quantity: 2,
          productName: 'Product a',
          unitPrice: 1250,
          lineTotal: 2500,
          currency: 'USD',
          // The replica knows no categories of it.
          categorySlugs: [],
        },
      ],
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

describe('variants: lines, merging and the default variant', () => {
  const shirt = (variantId: string, priceAmount: number, active = true): ReplicaProduct => ({
    ...product('shirt', priceAmount, 'USD', active),
    variantId,
    sku: `SKU-${variantId}`,
    title: variantId.endsWith('m') ? 'M / Black' : 'S / Black',
    options: [{ name: 'Size', value: variantId.endsWith('m') ? 'M' : 'S' }],
  });

  it('prices each line at its variant\'s price with the variant\'s snapshots, and points a bad variant at variantId', () => {
    const result = priceLines(
      [
        { productId: 'shirt', variantId: 'shirt:s', quantity: 1 },
        { productId: 'shirt', variantId: 'shirt:m', quantity: 2 },
      ],
      new Map([
        ['shirt:s', shirt('shirt:s', 2500)],
        ['shirt:m', shirt('shirt:m', 2800)],
      ]),
      ['input', 'items'],
    );
    expect(result).toMatchObject({ ok: true, subtotal: 8100 });
    if (!result.ok) throw new Error('unreachable');
    expect(result.lines.map((l) => [l.variantId, l.sku, l.variantTitle, l.unitPrice])).toEqual([
      ['shirt:s', 'SKU-shirt:s', 'S / Black', 2500],
      ['shirt:m', 'SKU-shirt:m', 'M / Black', 2800],
    ]);
    const archived = priceLines([{ productId: 'shirt', variantId: 'shirt:m', quantity: 1 }], new Map([['shirt:m', shirt('shirt:m', 2800, false)]]), ['input', 'items']);
    expect(archived).toEqual({ ok: false, errors: [expect.objectContaining({ code: UserErrorCode.PRODUCT_UNAVAILABLE, field: ['input', 'items', '0', 'variantId'] })] });
  });

  it('merges lines of the same variant only, and hashes a line without a variant as before variants existed', () => {
    expect(
      mergeLines([
        { productId: 'p', variantId: 'p:a', quantity: 1 },
        { productId: 'p', variantId: 'p:b', quantity: 1 },
        { productId: 'p', variantId: 'p:a', quantity: 2 },
      ]),
    ).toEqual([
      { productId: 'p', variantId: 'p:a', quantity: 3 },
      { productId: 'p', variantId: 'p:b', quantity: 1 },
    ]);
  });

  it('picks a product\'s only active variant; a product with several is INVALID_INPUT naming its options', () => {
    expect(defaultVariantChoice('p', [], ['productId'])).toEqual({ variantId: 'p' });
    expect(defaultVariantChoice('p', [{ variantId: 'p:only', options: [{ name: 'Size', value: 'S' }] }], ['productId'])).toEqual({ variantId: 'p:only' });
    const several = defaultVariantChoice(
      'p',
      [
        { variantId: 'p:a', options: [{ name: 'Size', value: 'S' }, { name: 'Colour', value: 'Red' }] },
        { variantId: 'p:b', options: [{ name: 'Size', value: 'M' }, { name: 'Colour', value: 'Red' }] },
      ],
      ['productId'],
    );
    expect(several).toEqual({ error: expect.objectContaining({ code: UserErrorCode.INVALID_INPUT, field: ['productId'], message: 'Product p comes in 2 variants: choose one by Size, Colour (pass its variantId)' }) });
  });
});
