import { decode, digest, encode } from './catalog.cache';

describe('catalog cache encoding', () => {
  it('round-trips product records with dates, category counts and filters with regexes', () => {
    const at = new Date('2026-12-03T07:00:00.123Z');
    const value = {
      rows: [{ _id: 'p1', name: 'Lens', createdAt: at, variants: [{ id: 'v1', price: 100 }] }],
      counts: new Map([['c1', 3]]),
      filter: { name: { $regex: /^le/i } },
    };
    const back = decode(encode(value)) as typeof value;
    expect(back).toEqual(value);
    expect(back.rows[0].createdAt).toBeInstanceOf(Date);
    expect(back.counts).toBeInstanceOf(Map);
    expect(back.filter.name.$regex).toBeInstanceOf(RegExp);
  });

  it('gives different arguments different digests, where plain JSON would not', () => {
    // JSON.stringify writes every RegExp as {} and every Map as {}.
    expect(digest({ searchTerms: { $regex: /^a/ } })).not.toBe(digest({ searchTerms: { $regex: /^b/ } }));
    expect(digest(new Map([['a', 1]]))).not.toBe(digest(new Map([['b', 1]])));
    expect(digest([{ createdAt: new Date(1) }, { price: 1 }, 20])).toBe(digest([{ createdAt: new Date(1) }, { price: 1 }, 20]));
    expect(digest([{ createdAt: new Date(1) }, { price: 1 }, 20])).not.toBe(digest([{ createdAt: new Date(1) }, { price: 1 }, 21]));
  });
});
