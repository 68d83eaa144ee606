import { UserErrorCode } from '@shopgraph/kit';
import { normalizeCreateProduct, validateCreateProduct, type CreateProductFields } from './product.validator';
import {
  combinationKey,
  defaultVariantOf,
  duplicatesActiveCombination,
  findVariantByOptions,
  normalizeVariant,
  productIdOfVariant,
  validateOptions,
  variantIdFor,
  variantsOf,
  variantTitle,
  type ProductOptionDoc,
  type VariantDoc,
} from './variants';

const options: ProductOptionDoc[] = [
  { name: 'Size', values: ['S', 'M', 'L'] },
  { name: 'Colour', values: ['Black', 'White'] },
];

const shirt: CreateProductFields = {
  sku: 'tee-1',
  name: 'Tee',
  description: '',
  categorySlug: 'apparel',
  price: 2500,
  options,
  variants: [
    {
      sku: 'tee-1-s-blk',
      options: [
        { name: 'Size', value: 'S' },
        { name: 'Colour', value: 'Black' },
      ],
    },
    {
      sku: 'tee-1-m-wht',
      options: [
        { name: 'colour', value: 'white' },
        { name: 'size', value: 'm' },
      ],
      price: 2700,
      initialStock: 4,
    },
  ],
};

const errorsOf = (input: CreateProductFields) =>
  validateCreateProduct(normalizeCreateProduct(input)).map((e) => [e.code, e.field?.join('.'), e.message]);

describe('product variants: validation and reading', () => {
  it("normalizes described variants to the option order and spelling, sku uppercase, price defaulting to the product's", () => {
    const input = normalizeCreateProduct(shirt);
    expect(validateCreateProduct(input)).toEqual([]);
    expect(input.variants).toEqual([
      {
        sku: 'TEE-1-S-BLK',
        options: [
          { name: 'Size', value: 'S' },
          { name: 'Colour', value: 'Black' },
        ],
        price: 2500,
        initialStock: 0,
      },
      {
        sku: 'TEE-1-M-WHT',
        options: [
          { name: 'Size', value: 'M' },
          { name: 'Colour', value: 'White' },
        ],
        price: 2700,
        initialStock: 4,
      },
    ]);
  });

  it('refuses variants that disagree with the options: a missing, unknown or repeated option, a value not offered', () => {
    const one = (opts: { name: string; value: string }[]) => errorsOf({ ...shirt, variants: [{ sku: 'x-1', options: opts }] });
    expect(one([{ name: 'Size', value: 'S' }])).toEqual([
      [UserErrorCode.INVALID_INPUT, 'input.variants.0.options', 'choose a value of option Colour'],
    ]);
    expect(
      one([
        { name: 'Size', value: 'XXL' },
        { name: 'Colour', value: 'Black' },
      ])[0][2],
    ).toBe('XXL is not a value of option Size (S, M, L)');
    expect(
      one([
        { name: 'Size', value: 'S' },
        { name: 'Colour', value: 'Black' },
        { name: 'Fit', value: 'Slim' },
      ])[0][2],
    ).toBe('the product has no option fit');
    expect(
      one([
        { name: 'Size', value: 'S' },
        { name: 'size', value: 'M' },
        { name: 'Colour', value: 'Black' },
      ])[0][2],
    ).toBe('option size is chosen twice');
  });

  it("refuses duplicate combinations, duplicate skus (also the product's own), no variants, variants without options", () => {
    const dupCombo = errorsOf({ ...shirt, variants: [shirt.variants![0], { ...shirt.variants![0], sku: 'other' }] });
    expect(dupCombo).toEqual([
      [UserErrorCode.INVALID_INPUT, 'input.variants.1.options', 'another variant already has the options Size S, Colour Black'],
    ]);
    const dupSku = errorsOf({ ...shirt, variants: [shirt.variants![0], { ...shirt.variants![1], sku: 'TEE-1-S-BLK' }] });
    expect(dupSku).toEqual([[UserErrorCode.INVALID_INPUT, 'input.variants.1.sku', 'sku TEE-1-S-BLK is used twice in this product']]);
    expect(errorsOf({ ...shirt, variants: [{ ...shirt.variants![0], sku: 'Tee-1' }] })[0][1]).toBe('input.variants.0.sku');
    expect(errorsOf({ ...shirt, variants: [] })).toEqual([
      [UserErrorCode.INVALID_INPUT, 'input.variants', 'a product with options needs at least one variant'],
    ]);
    expect(errorsOf({ ...shirt, options: null })).toEqual([
      [UserErrorCode.INVALID_INPUT, 'input.variants', 'variants need options: pass the options they choose from'],
    ]);
    expect(errorsOf({ ...shirt, variants: [{ ...shirt.variants![0], price: 0, initialStock: -1 }] }).map((e) => e[1])).toEqual([
      'input.variants.0.price',
      'input.variants.0.initialStock',
    ]);
  });

  it('refuses bad options: none, more than 3, repeated names or values, blank text', () => {
    expect(validateOptions([])).toHaveLength(1);
    expect(validateOptions([1, 2, 3, 4].map((n) => ({ name: `O${n}`, values: ['a'] })))).toHaveLength(1);
    expect(
      validateOptions([
        { name: 'Size', values: ['S'] },
        { name: 'size', values: ['M'] },
      ]).map((e) => e.field),
    ).toEqual([['input', 'options', '1', 'name']]);
    expect(validateOptions([{ name: 'Size', values: ['S', 's'] }]).map((e) => e.field)).toEqual([['input', 'options', '0', 'values', '1']]);
    expect(validateOptions([{ name: '', values: [] }]).map((e) => e.field)).toEqual([
      ['input', 'options', '0', 'name'],
      ['input', 'options', '0', 'values'],
    ]);
  });

  it('reads a document from before variants as its default variant: id, sku and price of the product', () => {
    const legacy = { _id: 'p1', sku: 'AUD-1', name: 'Lamp', price: 1999, active: true };
    expect(variantsOf(legacy)).toEqual([{ id: 'p1', sku: 'AUD-1', options: [], price: 1999, active: true }]);
    expect(defaultVariantOf(legacy).id).toBe('p1');
    expect(variantTitle('Lamp', defaultVariantOf(legacy))).toBe('Lamp');
  });

  it('finds variants by options ignoring order and case, the default is the first active, ids name their product', () => {
    const variants: VariantDoc[] = [
      {
        id: 'p1:a',
        sku: 'A',
        options: [
          { name: 'Size', value: 'S' },
          { name: 'Colour', value: 'Black' },
        ],
        price: 1,
        active: false,
      },
      {
        id: 'p1:b',
        sku: 'B',
        options: [
          { name: 'Size', value: 'M' },
          { name: 'Colour', value: 'Black' },
        ],
        price: 2,
        active: true,
      },
    ];
    const product = { _id: 'p1', sku: 'P', name: 'Tee', price: 2, active: true, options, variants };
    expect(
      findVariantByOptions(product, [
        { name: 'colour', value: 'black' },
        { name: 'SIZE', value: 'm' },
      ])?.id,
    ).toBe('p1:b');
    // An archived variant is not found, and its combination may be used again.
    expect(
      findVariantByOptions(product, [
        { name: 'Size', value: 'S' },
        { name: 'Colour', value: 'Black' },
      ]),
    ).toBeNull();
    expect(duplicatesActiveCombination(variants, variants[0].options)).toBe(false);
    expect(duplicatesActiveCombination(variants, [...variants[1].options].reverse())).toBe(true);
    expect(defaultVariantOf(product).id).toBe('p1:b');
    expect(variantTitle('Tee', variants[1])).toBe('M / Black');
    expect(productIdOfVariant(variantIdFor('p1'))).toBe('p1');
    expect(productIdOfVariant('p1')).toBe('p1');
    expect(
      combinationKey([
        { name: 'A', value: 'x' },
        { name: 'B', value: 'y' },
      ]),
    ).toBe(
      combinationKey([
        { name: 'b', value: 'Y' },
        { name: 'a', value: 'X' },
      ]),
    );
    expect(
      normalizeVariant(
        {
          sku: 'q',
          options: [
            { name: 'Size', value: 's' },
            { name: 'Colour', value: 'WHITE' },
          ],
        },
        options,
        500,
        ['input'],
      ).variant,
    ).toEqual({
      sku: 'Q',
      options: [
        { name: 'Size', value: 'S' },
        { name: 'Colour', value: 'White' },
      ],
      price: 500,
      initialStock: 0,
    });
  });
});
