import { encodeCursor } from '@shopgraph/kit';
import { checkThreshold, decodeLowStockCursor, encodeLowStockCursor } from './low-stock.cursor';

describe('lowStock cursor', () => {
  it('round-trips a position and stays opaque', () => {
    const cursor = encodeLowStockCursor({ available: 3, productId: '6f1c2a9e-0000-4000-8000-000000000001' });
    expect(cursor).not.toContain('6f1c2a9e');
    expect(decodeLowStockCursor(cursor)).toEqual({ available: 3, productId: '6f1c2a9e-0000-4000-8000-000000000001' });
  });

  it('refuses forged, foreign and garbage cursors with BAD_USER_INPUT', () => {
    for (const bad of ['nope', encodeCursor({ a: -1, id: 'x' }), encodeCursor({ a: 1.5, id: 'x' }), encodeCursor({ c: '2026-01-01T00:00:00Z', id: 'x' }), encodeCursor({ a: 1, id: '' })]) {
      expect(() => decodeLowStockCursor(bad)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: ['after'] }) }));
    }
  });

  it('accepts thresholds of 0 or more only', () => {
    expect(checkThreshold(0)).toBe(0);
    expect(checkThreshold(5)).toBe(5);
    expect(() => checkThreshold(-1)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
  });
});
