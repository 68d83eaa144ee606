import { escapeRegex, parseSearchWords, relevanceScore, searchTermsOf, searchWordCondition, wordsOf } from './search-terms';

describe('search words', () => {
  it('splits on anything that is not a letter or digit, lowercased and without accents, de-duplicated', () => {
    expect(parseSearchWords('  Wireless   HEADphones, café-crème  wireless ')).toEqual(['wireless', 'headphones', 'cafe', 'creme']);
    expect(parseSearchWords('USB-C 2.0')).toEqual(['usb', 'c', '2', '0']);
  });

  it('treats null, empty and punctuation-only searches as no search', () => {
    expect(parseSearchWords(null)).toEqual([]);
    expect(parseSearchWords(undefined)).toEqual([]);
    expect(parseSearchWords('   ')).toEqual([]);
    expect(parseSearchWords('?!*')).toEqual([]);
  });

  it('refuses too many words or too long a search as BAD_USER_INPUT', () => {
    expect(() => parseSearchWords('a b c d e f g h i j k')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    expect(() => parseSearchWords('x'.repeat(201))).toThrow(/at most 200/);
    expect(parseSearchWords('a b c d e f g h i j')).toHaveLength(10);
  });

  it('keeps regex metacharacters literal', () => {
    expect(escapeRegex('a.b*c(d)[e]^$|+?{}\\')).toBe('a\\.b\\*c\\(d\\)\\[e\\]\\^\\$\\|\\+\\?\\{\\}\\\\');
    expect(searchWordCondition('c')).toEqual({ searchTerms: { $regex: '^c' } });
    expect(new RegExp(searchWordCondition('a.b').searchTerms.$regex).test('axb')).toBe(false);
  });

  it('indexes the words of name, description, brand and tags once each', () => {
    expect(searchTermsOf({ name: 'Aurora Lamp', description: 'A warm lamp.', brand: 'Lümina', tags: ['bedside', 'led-light'] })).toEqual([
      'aurora',
      'lamp',
      'a',
      'warm',
      'lumina',
      'bedside',
      'led',
      'light',
    ]);
    expect(wordsOf('')).toEqual([]);
  });

  it('scores name matches above brand/tag matches above description-only matches', () => {
    const product = { name: 'Aurora Lamp', brand: 'Lumina', tags: ['bedside'] };
    expect(relevanceScore(['aurora'], product)).toBe(3);
    expect(relevanceScore(['lum'], product)).toBe(2);
    expect(relevanceScore(['warm'], product)).toBe(1);
    expect(relevanceScore(['lamp', 'bedside', 'warm'], product)).toBe(6);
  });
});
