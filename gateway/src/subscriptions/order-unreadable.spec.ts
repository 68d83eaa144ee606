import { orderUnreadable } from './order-subscriptions';

const unavailable = (path?: (string | number)[]) => ({ message: 'x', ...(path ? { path } : {}), extensions: { code: 'SUBGRAPH_UNAVAILABLE', reason: 'UNREACHABLE' } });

describe('orderUnreadable (when a change is read again before delivery)', () => {
  it('is true when the order as a whole was lost to an unavailable subgraph', () => {
    expect(orderUnreadable({ data: null, errors: [unavailable()] })).toBe(true);
    expect(orderUnreadable({ errors: [unavailable()] })).toBe(true);
    expect(orderUnreadable({ data: { order: null }, errors: [unavailable(['order'])] })).toBe(true);
    expect(orderUnreadable({ data: { a: { number: 'SG-1' }, b: null }, errors: [unavailable(['b'])] })).toBe(true);
  });

  it('is false when only fields under the order are missing, when nothing failed, or for other errors', () => {
    expect(orderUnreadable({ data: { order: { items: [{ product: null }] } }, errors: [unavailable(['order', 'items', 0, 'product', 'name'])] })).toBe(false);
    expect(orderUnreadable({ data: { order: { number: 'SG-1' } } })).toBe(false);
    expect(orderUnreadable({ data: { order: null }, errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }] })).toBe(false);
  });
});
