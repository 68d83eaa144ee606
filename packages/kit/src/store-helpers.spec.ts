import { isDuplicateKeyError, isUuid, updateReturning } from './store-helpers';

describe('store helpers', () => {
  it('isUuid accepts UUIDs of any version and case, nothing else', () => {
    expect(isUuid('123e4567-e89b-12d3-a456-426614174000')).toBe(true);
    expect(isUuid('123E4567-E89B-52D3-A456-426614174000')).toBe(true);
    expect(isUuid('123e4567-e89b-12d3-a456-42661417400')).toBe(false);
    expect(isUuid(' 123e4567-e89b-12d3-a456-426614174000')).toBe(false);
    expect(isUuid('not-a-uuid')).toBe(false);
  });

  it('updateReturning gives the rows of TypeORM\'s [rows, rowCount] answer', async () => {
    const manager = { query: async () => [[{ id: 'a' }, { id: 'b' }], 2] };
    expect(await updateReturning<{ id: string }>(manager as never, 'UPDATE t SET x = 1 RETURNING id', [])).toEqual([{ id: 'a' }, { id: 'b' }]);
  });

  it('isDuplicateKeyError: Mongo 11000 and FerretDB\'s UNIQUE constraint InternalError, not other errors', () => {
    expect(isDuplicateKeyError({ code: 11000, message: 'E11000 duplicate key' })).toBe(true);
    expect(isDuplicateKeyError({ code: 1, message: 'InternalError: UNIQUE constraint failed: products.sku' })).toBe(true);
    expect(isDuplicateKeyError({ code: 1, message: 'InternalError: something else' })).toBe(false);
    expect(isDuplicateKeyError(new Error('E11000'))).toBe(false);
    expect(isDuplicateKeyError(null)).toBe(false);
  });
});
