import { firstFreeSlug, SLUG_PATTERN, slugify, withSuffix } from './slug';

describe('slugs', () => {
  it('derives lowercase dash-separated slugs without accents or punctuation', () => {
    expect(slugify('Aurora Lamp')).toBe('aurora-lamp');
    expect(slugify('  Crème Brûlée — 2 pack!  ')).toBe('creme-brulee-2-pack');
    expect(slugify('USB-C  /  Hub')).toBe('usb-c-hub');
    expect(slugify('???')).toBe('');
  });

  it('keeps slugs at most 80 characters without a trailing dash', () => {
    const slug = slugify(`${'a'.repeat(79)} bcd`);
    expect(slug).toBe('a'.repeat(79));
    expect(slug.length).toBeLessThanOrEqual(80);
    expect(SLUG_PATTERN.test(slugify('x'.repeat(200)))).toBe(true);
  });

  it('makes a slug unique with the first free numeric suffix', () => {
    expect(withSuffix('lamp', 1)).toBe('lamp');
    expect(withSuffix('lamp', 3)).toBe('lamp-3');
    expect(firstFreeSlug('lamp', [])).toBe('lamp');
    expect(firstFreeSlug('lamp', ['lamp'])).toBe('lamp-2');
    expect(firstFreeSlug('lamp', ['lamp', 'lamp-2', 'lamp-4'])).toBe('lamp-3');
  });
});
