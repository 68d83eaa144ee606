import { UserErrorCode } from '@shopgraph/kit';
import {
  normalizeCreateProduct,
  normalizeUpdateProduct,
  validateCategory,
  validateCreateProduct,
  validateUpdateProduct,
  type CreateProductFields,
} from './product.validator';

const valid: CreateProductFields = {
  sku: ' aud-001 ',
  name: ' Aurora Lamp ',
  description: 'A warm lamp.',
  brand: '  ',
  categorySlug: 'Lighting',
  tags: ['Bedside', 'bedside ', 'LED'],
  images: ['https://img.example.com/a.jpg'],
  price: 2599,
  currency: 'eur',
};

const fieldsOf = (input: CreateProductFields) => validateCreateProduct(normalizeCreateProduct(input)).map((e) => [e.code, e.field]);

describe('product validation', () => {
  it('normalizes: trims, uppercases sku and currency, lowercases and de-duplicates tags, blank brand is none, defaults', () => {
    expect(normalizeCreateProduct(valid)).toEqual({
      sku: 'AUD-001',
      name: 'Aurora Lamp',
      description: 'A warm lamp.',
      brand: null,
      categorySlug: 'lighting',
      tags: ['bedside', 'led'],
      images: ['https://img.example.com/a.jpg'],
      price: 2599,
      currency: 'EUR',
      initialStock: 0,
      options: [],
      variants: [],
      variantErrors: [],
    });
    expect(normalizeCreateProduct({ ...valid, currency: null }).currency).toBe('USD');
    expect(fieldsOf(valid)).toEqual([]);
  });

  it('points every problem at its input field', () => {
    expect(
      fieldsOf({
        ...valid,
        sku: 'bad sku!',
        name: ' ',
        description: 'x'.repeat(5001),
        price: 0,
        currency: 'EURO',
        initialStock: -1,
      }),
    ).toEqual([
      [UserErrorCode.INVALID_INPUT, ['input', 'sku']],
      [UserErrorCode.INVALID_INPUT, ['input', 'name']],
      [UserErrorCode.INVALID_INPUT, ['input', 'description']],
      [UserErrorCode.INVALID_INPUT, ['input', 'price']],
      [UserErrorCode.INVALID_INPUT, ['input', 'currency']],
      [UserErrorCode.INVALID_INPUT, ['input', 'initialStock']],
    ]);
  });

  it('checks name, tag, image and currency limits', () => {
    expect(fieldsOf({ ...valid, name: 'n'.repeat(200) })).toEqual([]);
    expect(fieldsOf({ ...valid, name: 'n'.repeat(201) })).toEqual([[UserErrorCode.INVALID_INPUT, ['input', 'name']]]);
    expect(fieldsOf({ ...valid, tags: Array.from({ length: 20 }, (_, i) => `t${i}`) })).toEqual([]);
    expect(fieldsOf({ ...valid, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })).toEqual([[UserErrorCode.INVALID_INPUT, ['input', 'tags']]]);
    expect(fieldsOf({ ...valid, tags: ['ok', 't'.repeat(41)] })).toEqual([[UserErrorCode.INVALID_INPUT, ['input', 'tags', '1']]]);
    expect(fieldsOf({ ...valid, images: Array.from({ length: 11 }, () => 'https://x.example/a.png') })).toEqual([[UserErrorCode.INVALID_INPUT, ['input', 'images']]]);
    expect(fieldsOf({ ...valid, images: ['http://ok.example/a.png', 'ftp://x.example/a.png'] })).toEqual([[UserErrorCode.INVALID_INPUT, ['input', 'images', '1']]]);
    expect(fieldsOf({ ...valid, images: ['javascript:alert(1)'] })).toEqual([[UserErrorCode.INVALID_INPUT, ['input', 'images', '0']]]);
    expect(fieldsOf({ ...valid, currency: 'XYZ' })).toEqual([[UserErrorCode.INVALID_INPUT, ['input', 'currency']]]);
    expect(fieldsOf({ ...valid, currency: 'jpy' })).toEqual([]);
    expect(fieldsOf({ ...valid, price: 1.5 })).toEqual([[UserErrorCode.INVALID_INPUT, ['input', 'price']]]);
  });

  it('validates only the fields an update sets; a blank brand clears it', () => {
    expect(normalizeUpdateProduct({ name: ' New ', brand: '', price: null })).toEqual({ name: 'New', brand: null });
    expect(validateUpdateProduct(normalizeUpdateProduct({}))).toEqual([]);
    expect(validateUpdateProduct(normalizeUpdateProduct({ name: '', price: -5, images: ['nope'] })).map((e) => e.field)).toEqual([
      ['input', 'name'],
      ['input', 'images', '0'],
      ['input', 'price'],
    ]);
  });

  it('validates category names and explicit slugs', () => {
    expect(validateCategory('Lighting', null)).toEqual([]);
    expect(validateCategory('Lighting', 'home-lighting')).toEqual([]);
    expect(validateCategory('', 'Bad Slug').map((e) => e.field)).toEqual([['name'], ['slug']]);
    expect(validateCategory('Lighting', '-x').map((e) => e.field)).toEqual([['slug']]);
  });
});
