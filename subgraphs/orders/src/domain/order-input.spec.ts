import { createHash } from 'node:crypto';
import { guestEmailError, hashOrderInput, mergeLines, normalizeOrderInput, validateOrderInput, validateOrderLines, type PlaceOrderFields } from './order-input';

const input = (overrides: Partial<PlaceOrderFields> = {}): PlaceOrderFields => ({
  idempotencyKey: 'key-1',
  items: [
    { productId: 'b', quantity: 1 },
    { productId: 'a', quantity: 2 },
  ],
  shippingAddress: { recipient: 'Ada Lovelace', line1: '1 Analytical St', city: 'London', postalCode: 'N1 9GU', country: 'gb' },
  paymentToken: 'tok_visa',
  ...overrides,
});
const hashOf = (fields: PlaceOrderFields) => hashOrderInput(normalizeOrderInput(fields));

describe('idempotency-key input hashing', () => {
  it('gives the same hash to inputs that mean the same order', () => {
    const reordered = input({
      items: [
        { productId: 'a', quantity: 1 },
        { productId: 'b', quantity: 1 },
        { productId: 'a', quantity: 1 },
      ],
      shippingAddress: { recipient: ' Ada Lovelace ', line1: '1 Analytical St', line2: '  ', city: 'London', postalCode: 'N1 9GU', country: 'GB ' },
    });
    expect(hashOf(reordered)).toBe(hashOf(input()));
  });

  it('ignores the idempotency key itself', () => {
    expect(hashOf(input({ idempotencyKey: 'other' }))).toBe(hashOf(input()));
  });

  it.each([
    ['a quantity', { items: [{ productId: 'a', quantity: 3 }, { productId: 'b', quantity: 1 }] }],
    ['a product', { items: [{ productId: 'a', quantity: 2 }] }],
    ['the address', { shippingAddress: { recipient: 'Ada Lovelace', line1: '2 Analytical St', city: 'London', postalCode: 'N1 9GU', country: 'GB' } }],
    ['the payment token', { paymentToken: 'tok_mastercard' }],
    ['lines versus the cart', { items: null }],
  ])('changes with %s', (_what, change) => {
    expect(hashOf(input(change as Partial<PlaceOrderFields>))).not.toBe(hashOf(input()));
  });

  it('is a sha256 hex digest', () => {
    expect(hashOf(input())).toMatch(/^[0-9a-f]{64}$/);
  });

  // Guest checkout and checkout choices: the same key with another cart, email, method, codes or expected total is another order.
  it.each([
    ['a guest cart', { items: null, cartId: 'c'.repeat(43) }],
    ['the shipping method', { shippingMethodId: 'm1' }],
    ['promotion codes', { promotionCodes: ['WELCOME10'] }],
    ['no codes versus the default (the cart\'s)', { promotionCodes: [] }],
    ['the expected total', { expectedTotal: 1234 }],
  ])('changes with %s', (_what, change) => {
    expect(hashOf(input(change as Partial<PlaceOrderFields>))).not.toBe(hashOf(input()));
  });

  it('changes with a guest\'s email, which is ignored when signed in', () => {
    const guest = (email: string) => hashOrderInput(normalizeOrderInput(input({ email }), false));
    expect(guest('a@example.com')).not.toBe(guest('b@example.com'));
    expect(guest(' A@Example.COM ')).toBe(guest('a@example.com'));
    expect(hashOf(input({ email: 'a@example.com' }))).toBe(hashOf(input()));
  });

  it('treats codes as a set (case, order, repeats) and hashes an input without checkout fields as before they existed', () => {
    expect(hashOf(input({ promotionCodes: ['b', 'A', 'a '] }))).toBe(hashOf(input({ promotionCodes: ['A', 'B'] })));
    // The hash of a plain input is what it was before guest checkout (a retry from then still matches).
    expect(hashOf(input())).toBe(hashOf(input({ shippingMethodId: '  ', promotionCodes: null, expectedTotal: null, cartId: null })));
    const before = JSON.stringify([[['a', 2], ['b', 1]], ['Ada Lovelace', '1 Analytical St', null, 'London', null, 'N1 9GU', 'GB'], 'tok_visa']);
    expect(hashOf(input())).toBe(createHash('sha256').update(before).digest('hex'));
  });
});

describe('guest email', () => {
  it('is required and must be plausible', () => {
    expect(guestEmailError(null)).toEqual(expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'email'] }));
    expect(guestEmailError('nobody')).toEqual(expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'email'] }));
    expect(guestEmailError('a@b')).not.toBeNull();
    expect(guestEmailError('ada@example.com')).toBeNull();
  });
});

describe('order input validation', () => {
  it('accepts a complete order and normalizes the country', () => {
    const normalized = normalizeOrderInput(input());
    expect(validateOrderInput(normalized)).toEqual([]);
    expect(normalized.shippingAddress.country).toBe('GB');
    expect(normalized.lines).toEqual([
      { productId: 'a', quantity: 2 },
      { productId: 'b', quantity: 1 },
    ]);
  });

  it('names every missing address field and a bad country, with field paths', () => {
    const errors = validateOrderInput(
      normalizeOrderInput(input({ shippingAddress: { recipient: ' ', line1: '', city: '', postalCode: '', country: 'XX' }, paymentToken: ' ' })),
    );
    expect(errors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_INPUT', ['input', 'paymentToken']],
      ['INVALID_INPUT', ['input', 'shippingAddress', 'recipient']],
      ['INVALID_INPUT', ['input', 'shippingAddress', 'line1']],
      ['INVALID_INPUT', ['input', 'shippingAddress', 'city']],
      ['INVALID_INPUT', ['input', 'shippingAddress', 'postalCode']],
      ['INVALID_INPUT', ['input', 'shippingAddress', 'country']],
    ]);
  });

  it('refuses an empty idempotency key', () => {
    expect(validateOrderInput(normalizeOrderInput(input({ idempotencyKey: '  ' })))).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'idempotencyKey'] }),
    ]);
  });

  it('checks lines: at least one, quantities 1..99, and 99 per product once merged', () => {
    expect(validateOrderLines(null)).toEqual([]);
    expect(validateOrderLines([])).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'items'] })]);
    expect(validateOrderLines([{ productId: 'a', quantity: 0 }])).toEqual([
      expect.objectContaining({ field: ['input', 'items', '0', 'quantity'] }),
    ]);
    expect(validateOrderLines([{ productId: 'a', quantity: 99 }])).toEqual([]);
    expect(
      validateOrderLines([
        { productId: 'a', quantity: 60 },
        { productId: 'a', quantity: 40 },
      ]),
    ).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'items', '0', 'quantity'] })]);
    expect(validateOrderLines([{ productId: 'a', quantity: 100 }])).toHaveLength(1);
  });

  it('merges lines of one product', () => {
    expect(
      mergeLines([
        { productId: 'z', quantity: 1 },
        { productId: 'a', quantity: 1 },
        { productId: 'z', quantity: 4 },
      ]),
    ).toEqual([
      { productId: 'a', quantity: 1 },
      { productId: 'z', quantity: 5 },
    ]);
  });
});
