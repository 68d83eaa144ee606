import { orderCursor, parseOrderCursor } from './order.cursor';

describe('order cursors', () => {
  it('round-trips the keyset position', () => {
    const order = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: '6f1c1c1e-8f0e-4a8a-9a3b-0c1d2e3f4a5b' };
    expect(parseOrderCursor(orderCursor(order))).toEqual({ t: order.createdAt.getTime(), id: order.id });
    expect(parseOrderCursor(null)).toBeNull();
  });

  it('refuses a forged cursor as BAD_USER_INPUT', () => {
    const forged = Buffer.from(JSON.stringify({ t: 1, id: "x' OR 1=1" })).toString('base64url');
    expect(() => parseOrderCursor(forged)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
  });
});
