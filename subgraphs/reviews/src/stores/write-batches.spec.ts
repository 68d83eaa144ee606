import { MAX_STATEMENTS_PER_COMMAND, slices } from './write-batches';

describe('write slices', () => {
  it('keeps every command well under the 100 statements FerretDB can take', () => {
    const items = Array.from({ length: 137 }, (_, i) => i);
    const parts = slices(items);
    expect(parts.map((p) => p.length)).toEqual([50, 50, 37]);
    expect(parts.flat()).toEqual(items);
    expect(MAX_STATEMENTS_PER_COMMAND).toBeLessThanOrEqual(100);
    expect(slices([])).toEqual([]);
  });
});
