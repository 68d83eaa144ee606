import { decodeCursor, encodeCursor } from '@shopgraph/kit';
import { z } from 'zod';
import { ProductSort } from '../types/product-sort.enum';
import { afterCondition, compareRanked, decodeProductCursor, encodeProductCursor, isAfterRanked, mongoSort } from './product-cursor';

const product = { _id: '6f1c2a4e-0000-4000-8000-000000000001', createdAt: new Date('2026-06-01T10:00:00.123Z'), price: 2599, nameKey: 'aurora lamp' };
const badInput = expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) });

describe('product cursors', () => {
  it.each([
    [ProductSort.NEWEST, product.createdAt.getTime()],
    [ProductSort.RELEVANCE, product.createdAt.getTime()],
    [ProductSort.PRICE_ASC, 2599],
    [ProductSort.PRICE_DESC, 2599],
    [ProductSort.NAME, 'aurora lamp'],
  ])('round-trips the %s sort key and id', (sort, key) => {
    const cursor = encodeProductCursor(sort, product);
    expect(decodeProductCursor(cursor, sort, false)).toEqual({ s: sort, k: key, id: product._id });
  });

  it('carries the relevance score when searching, and refuses to mix searched and unsearched RELEVANCE cursors', () => {
    const ranked = encodeProductCursor(ProductSort.RELEVANCE, product, 7);
    expect(decodeProductCursor(ranked, ProductSort.RELEVANCE, true)).toEqual({ s: 'RELEVANCE', k: product.createdAt.getTime(), r: 7, id: product._id });
    expect(() => decodeProductCursor(ranked, ProductSort.RELEVANCE, false)).toThrow(badInput);
    expect(() => decodeProductCursor(encodeProductCursor(ProductSort.RELEVANCE, product), ProductSort.RELEVANCE, true)).toThrow(badInput);
  });

  it('rejects a cursor made for another sort as BAD_USER_INPUT', () => {
    const newest = encodeProductCursor(ProductSort.NEWEST, product);
    expect(() => decodeProductCursor(newest, ProductSort.PRICE_ASC, false)).toThrow(badInput);
    expect(() => decodeProductCursor(newest, ProductSort.PRICE_ASC, false)).toThrow(/NEWEST/);
    expect(() => decodeProductCursor(encodeProductCursor(ProductSort.NAME, product), ProductSort.NEWEST, false)).toThrow(badInput);
  });

  it('rejects forged cursors (garbage, wrong key type, offsets) as BAD_USER_INPUT', () => {
    expect(() => decodeProductCursor('garbage!!', ProductSort.NEWEST, false)).toThrow(badInput);
    expect(() => decodeProductCursor(encodeCursor({ s: 'NAME', k: 3, id: 'x' }), ProductSort.NAME, false)).toThrow(badInput);
    expect(() => decodeProductCursor(encodeCursor({ s: 'PRICE_ASC', k: 'cheap', id: 'x' }), ProductSort.PRICE_ASC, false)).toThrow(badInput);
    expect(() => decodeProductCursor(encodeCursor({ offset: 20 }), ProductSort.NEWEST, false)).toThrow(badInput);
  });

  it('is opaque: a keyset position, not an offset', () => {
    const raw = decodeCursor(encodeProductCursor(ProductSort.PRICE_DESC, product), z.record(z.string(), z.unknown()));
    expect(Object.keys(raw).sort()).toEqual(['id', 'k', 's']);
  });

  it('orders by the sort key with _id ascending as the tiebreaker', () => {
    expect(mongoSort(ProductSort.NEWEST)).toEqual({ createdAt: -1, _id: 1 });
    expect(mongoSort(ProductSort.PRICE_ASC)).toEqual({ price: 1, _id: 1 });
    expect(mongoSort(ProductSort.PRICE_DESC)).toEqual({ price: -1, _id: 1 });
    expect(mongoSort(ProductSort.NAME)).toEqual({ nameKey: 1, _id: 1 });
  });

  it('selects strictly after the cursor: past the key, or the same key and a greater id', () => {
    expect(afterCondition(ProductSort.PRICE_DESC, { s: ProductSort.PRICE_DESC, k: 500, id: 'b' })).toEqual({
      $or: [{ price: { $lt: 500 } }, { price: 500, _id: { $gt: 'b' } }],
    });
    expect(afterCondition(ProductSort.NEWEST, { s: ProductSort.NEWEST, k: 1000, id: 'b' })).toEqual({
      $or: [{ createdAt: { $lt: new Date(1000) } }, { createdAt: new Date(1000), _id: { $gt: 'b' } }],
    });
    expect(afterCondition(ProductSort.NAME, { s: ProductSort.NAME, k: 'lamp', id: 'b' })).toEqual({
      $or: [{ nameKey: { $gt: 'lamp' } }, { nameKey: 'lamp', _id: { $gt: 'b' } }],
    });
  });

  it('ranks by score, then newest, then id, and pages after a ranked position', () => {
    const items = [
      { _id: 'c', createdAt: new Date(1), score: 3 },
      { _id: 'a', createdAt: new Date(5), score: 9 },
      { _id: 'b', createdAt: new Date(1), score: 3 },
      { _id: 'd', createdAt: new Date(9), score: 3 },
    ];
    expect([...items].sort(compareRanked).map((i) => i._id)).toEqual(['a', 'd', 'b', 'c']);
    const cursor = { s: ProductSort.RELEVANCE, k: 1, r: 3, id: 'b' };
    expect(items.filter((i) => isAfterRanked(i, cursor)).map((i) => i._id)).toEqual(['c']);
  });
});
