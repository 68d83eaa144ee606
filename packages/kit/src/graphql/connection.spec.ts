import { z } from 'zod';
import { connectionFrom, decodeCursor, encodeCursor, pageSize } from './connection';
import { money } from './common.types';

describe('connections', () => {
  it('defaults and bounds page sizes', () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(0)).toBe(0);
    expect(pageSize(100)).toBe(100);
    expect(() => pageSize(101)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    expect(() => pageSize(-1)).toThrow(/between 0 and 100/);
  });

  it('round-trips cursors and rejects forged ones as BAD_USER_INPUT', () => {
    const shape = z.object({ id: z.string(), n: z.number() });
    expect(decodeCursor(encodeCursor({ id: 'a', n: 3 }), shape)).toEqual({ id: 'a', n: 3 });
    expect(() => decodeCursor('not-a-cursor', shape)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    expect(() => decodeCursor(encodeCursor({ id: 1 }), shape)).toThrow(/not a valid cursor/);
  });

  it('uses the extra row only to tell that a next page exists', () => {
    const page = connectionFrom([1, 2, 3], 2, String, (n) => n * 10, false);
    expect(page.edges).toEqual([
      { cursor: '1', node: 10 },
      { cursor: '2', node: 20 },
    ]);
    expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: '1', endCursor: '2' });
    expect(connectionFrom([1], 2, String, (n) => n, true).pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });
});

describe('money', () => {
  it('formats minor units by the currency', () => {
    expect(money(29999)).toMatchObject({ amount: 29999, currency: 'USD', formatted: '$299.99' });
    expect(money(1500, 'JPY').formatted).toBe('¥1,500');
  });
});
