import { encodeCursor } from '@shopgraph/kit';
import { afterFilter, isAfter, pageInMemory, positionOf, reviewCursor } from './review.cursor';

const at = (iso: string) => new Date(iso);
const rows = [
  { _id: 'a', createdAt: at('2026-01-01T00:00:00.000Z') },
  { _id: 'c', createdAt: at('2026-01-03T00:00:00.000Z') },
  { _id: 'b', createdAt: at('2026-01-03T00:00:00.000Z') },
  { _id: 'd', createdAt: at('2026-01-02T00:00:00.000Z') },
];

describe('review cursors', () => {
  it('round-trips a review position', () => {
    const cursor = reviewCursor(rows[1]);
    expect(positionOf(cursor)).toEqual({ createdAt: rows[1].createdAt, id: 'c' });
    expect(positionOf(null)).toBeNull();
    expect(positionOf(undefined)).toBeNull();
  });

  it('rejects forged cursors as BAD_USER_INPUT', () => {
    for (const forged of ['nope', encodeCursor({ c: 'yesterday', id: 'a' }), encodeCursor({ id: 'a' })]) {
      expect(() => positionOf(forged)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    }
  });

  it('orders newest first with the id breaking ties, and pages without gaps or repeats', () => {
    expect(pageInMemory(rows, null, 10).map((r) => r._id)).toEqual(['c', 'b', 'd', 'a']);
    const first = pageInMemory(rows, null, 2);
    expect(first.map((r) => r._id)).toEqual(['c', 'b', 'd']); // limit + 1
    const second = pageInMemory(rows, positionOf(reviewCursor(first[1])), 2);
    expect(second.map((r) => r._id)).toEqual(['d', 'a']);
    expect(pageInMemory(rows, positionOf(reviewCursor(rows[0])), 2)).toEqual([]);
  });

  it('agrees with the Mongo filter on what comes after a position', () => {
    const position = { createdAt: at('2026-01-03T00:00:00.000Z'), id: 'c' };
    expect(rows.filter((r) => isAfter(r, position)).map((r) => r._id)).toEqual(['a', 'b', 'd']);
    expect(afterFilter(position)).toEqual({
      $or: [{ createdAt: { $lt: position.createdAt } }, { createdAt: position.createdAt, _id: { $lt: 'c' } }],
    });
    expect(afterFilter(null)).toEqual({});
  });
});
