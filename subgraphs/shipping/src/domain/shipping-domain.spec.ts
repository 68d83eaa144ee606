import { deliveryEstimate, validateMethodInput } from './method-input';
import { canMove, planShipment, remainingLines } from './shipment-plan';

describe('validateMethodInput', () => {
  it('normalises a valid method: trimmed text, upper-case countries without duplicates, default currency', () => {
    expect(
      validateMethodInput(
        {
          name: ' Standard ',
          carrier: '',
          countries: ['us', 'CA', 'us '],
          price: 0,
          freeOver: 5000,
          minDeliveryDays: 3,
          maxDeliveryDays: 3,
        },
        'USD',
      ),
    ).toEqual({
      fields: {
        name: 'Standard',
        carrier: null,
        description: null,
        countries: ['US', 'CA'],
        price: 0,
        currency: 'USD',
        freeOver: 5000,
        minDeliveryDays: 3,
        maxDeliveryDays: 3,
      },
    });
  });

  it('names every bad field', () => {
    const result = validateMethodInput(
      { name: 'x'.repeat(101), countries: ['XYZ'], price: 1.5, freeOver: -1, currency: 'US', minDeliveryDays: 400, maxDeliveryDays: null },
      'USD',
    );
    expect('errors' in result && result.errors.map((e) => e.field![1])).toEqual([
      'name',
      'countries',
      'price',
      'freeOver',
      'currency',
      'minDeliveryDays',
    ]);
  });
});

describe('deliveryEstimate', () => {
  it('says the range in business days', () => {
    expect(deliveryEstimate(3, 5)).toBe('3–5 business days');
    expect(deliveryEstimate(1, 1)).toBe('1 business day');
    expect(deliveryEstimate(null, 4)).toBe('up to 4 business days');
    expect(deliveryEstimate(2, null)).toBe('at least 2 business days');
    expect(deliveryEstimate(null, null)).toBeNull();
  });
});

describe('planShipment', () => {
  const ordered = [
    { productId: 'lamp', quantity: 2 },
    { productId: 'shirt', variantId: 'shirt:s', quantity: 1 },
    { productId: 'shirt', variantId: 'shirt:m', quantity: 2 },
  ];

  it('ships what remains when no lines are named, and nothing twice', () => {
    const left = remainingLines(ordered, [{ productId: 'lamp', variantId: 'lamp', quantity: 1 }]);
    expect(planShipment(left, null)).toEqual({
      lines: [
        { productId: 'lamp', variantId: 'lamp', quantity: 1 },
        { productId: 'shirt', variantId: 'shirt:s', quantity: 1 },
        { productId: 'shirt', variantId: 'shirt:m', quantity: 2 },
      ],
    });
    expect(planShipment(remainingLines(ordered, left.concat({ productId: 'lamp', variantId: 'lamp', quantity: 1 })), null)).toEqual({
      error: { kind: 'NOTHING_LEFT', message: 'Every line of this order has already shipped' },
    });
  });

  it('adds up repeated lines, refuses more than remains and an ambiguous product', () => {
    const left = remainingLines(ordered, []);
    expect(
      planShipment(left, [
        { productId: 'lamp', quantity: 1 },
        { productId: 'lamp', quantity: 1 },
      ]),
    ).toEqual({ lines: [{ productId: 'lamp', variantId: 'lamp', quantity: 2 }] });
    expect(planShipment(left, [{ productId: 'lamp', quantity: 3 }])).toMatchObject({ error: { kind: 'INVALID', index: 0 } });
    expect(planShipment(left, [{ productId: 'shirt', quantity: 1 }])).toMatchObject({
      error: { kind: 'INVALID', message: expect.stringMatching(/name the variantId/) },
    });
    expect(planShipment(left, [{ productId: 'shirt', variantId: 'shirt:m', quantity: 2 }])).toEqual({
      lines: [{ productId: 'shirt', variantId: 'shirt:m', quantity: 2 }],
    });
    expect(planShipment(left, [{ productId: 'lamp', quantity: 0 }])).toMatchObject({ error: { kind: 'INVALID' } });
    expect(planShipment(left, [])).toMatchObject({ error: { kind: 'INVALID', index: null } });
  });
});

describe('canMove', () => {
  it('moves forward or back to the sender before delivery, never out of DELIVERED', () => {
    expect(canMove('SHIPPED', 'IN_TRANSIT')).toBe(true);
    expect(canMove('IN_TRANSIT', 'DELIVERED')).toBe(true);
    expect(canMove('IN_TRANSIT', 'RETURNED_TO_SENDER')).toBe(true);
    expect(canMove('DELIVERED', 'IN_TRANSIT')).toBe(false);
    expect(canMove('IN_TRANSIT', 'SHIPPED')).toBe(false);
    expect(canMove('RETURNED_TO_SENDER', 'DELIVERED')).toBe(false);
  });
});
