import { randomUUID } from 'node:crypto';
import { BODY_MAX, isUuid, TITLE_MAX, validateReview } from './review.validator';

const valid = (): { productId: string; rating: number; title: string; body: string } => ({ productId: randomUUID(), rating: 4, title: 'Good', body: 'Works well.' });
const fieldsOf = (input: ReturnType<typeof valid>) => validateReview(input).errors.map((e) => [e.code, ...(e.field ?? [])].join(':'));

describe('review validation', () => {
  it('accepts a valid review and trims its texts', () => {
    const input = { ...valid(), title: '  Good  ', body: '\n Works well. \n', productId: randomUUID() };
    expect(validateReview(input)).toEqual({
      review: { productId: input.productId, rating: 4, title: 'Good', body: 'Works well.' },
      errors: [],
    });
  });

  it('wants an integer rating from 1 to 5', () => {
    for (const rating of [0, 6, -1, 2.5]) expect(fieldsOf({ ...valid(), rating })).toEqual(['INVALID_INPUT:input:rating']);
    for (const rating of [1, 5]) expect(fieldsOf({ ...valid(), rating })).toEqual([]);
  });

  it('bounds title and body lengths after trimming, counting characters not UTF-16 units', () => {
    expect(fieldsOf({ ...valid(), title: '   ' })).toEqual(['INVALID_INPUT:input:title']);
    expect(fieldsOf({ ...valid(), title: 'x'.repeat(TITLE_MAX + 1) })).toEqual(['INVALID_INPUT:input:title']);
    expect(fieldsOf({ ...valid(), title: ` ${'x'.repeat(TITLE_MAX)} ` })).toEqual([]);
    expect(fieldsOf({ ...valid(), title: '👍'.repeat(TITLE_MAX) })).toEqual([]);
    expect(fieldsOf({ ...valid(), body: '' })).toEqual(['INVALID_INPUT:input:body']);
    expect(fieldsOf({ ...valid(), body: 'y'.repeat(BODY_MAX + 1) })).toEqual(['INVALID_INPUT:input:body']);
    expect(fieldsOf({ ...valid(), body: 'y'.repeat(BODY_MAX) })).toEqual([]);
  });

  it('refuses a product id that is not a UUID, and reports every problem at once', () => {
    expect(fieldsOf({ productId: 'sku-123', rating: 9, title: '', body: ' ' })).toEqual([
      'INVALID_INPUT:input:productId',
      'INVALID_INPUT:input:rating',
      'INVALID_INPUT:input:title',
      'INVALID_INPUT:input:body',
    ]);
    expect(isUuid(randomUUID())).toBe(true);
    expect(isUuid('not-a-uuid')).toBe(false);
    expect(isUuid(42)).toBe(false);
  });
});
