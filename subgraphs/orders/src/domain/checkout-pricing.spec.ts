import fc from 'fast-check';
import {
  allocateProportionally,
  divideHalfEven,
  priceCheckout,
  taxRateFor,
  type PricingInput,
  type PricingLine,
  type PromotionRule,
  type ShippingMethodRule,
  type TaxRateRule,
} from './checkout-pricing';

const now = new Date('2026-12-02T12:00:00Z');
const line = (key: string, unitPrice: number, quantity = 1, categorySlugs: string[] = []): PricingLine => ({ key, productId: key, quantity, unitPrice, categorySlugs });
const promo = (over: Partial<PromotionRule> & Pick<PromotionRule, 'id' | 'kind' | 'value'>): PromotionRule => ({
  name: over.id,
  code: null,
  categorySlugs: [],
  usageCount: 0,
  active: true,
  ...over,
});
const standard: ShippingMethodRule = { id: 'std', name: 'Standard', countries: ['US', 'CA', 'DE'], price: 500, currency: 'USD', freeOver: 5000, minDeliveryDays: 3, maxDeliveryDays: 5, active: true };
const express: ShippingMethodRule = { id: 'exp', name: 'Express', carrier: 'UPS', countries: ['US'], price: 1500, currency: 'USD', minDeliveryDays: 1, maxDeliveryDays: 2, active: true };
const caTax: TaxRateRule = { id: 't-ca', name: 'CA sales tax', country: 'US', region: 'CA', rateBasisPoints: 725, appliesToShipping: false };
const usTax: TaxRateRule = { id: 't-us', name: 'US tax', country: 'US', region: null, rateBasisPoints: 500, appliesToShipping: false };
const deVat: TaxRateRule = { id: 't-de', name: 'DE VAT', country: 'DE', region: null, rateBasisPoints: 1900, appliesToShipping: true };

const input = (over: Partial<PricingInput> = {}): PricingInput => ({
  lines: [line('a', 1000, 2), line('b', 333)],
  currency: 'USD',
  address: { country: 'US', region: 'CA' },
  shippingMethods: [standard, express],
  promotionCodes: [],
  promotions: [],
  taxRates: [caTax, usTax, deVat],
  pricesIncludeTax: false,
  now,
  ...over,
});

describe('half-even rounding', () => {
  it.each([
    [5, 2, 2], // 2.5 → 2
    [7, 2, 4], // 3.5 → 4
    [9, 4, 2], // 2.25 → 2
    [11, 4, 3], // 2.75 → 3
    [0, 3, 0],
    [15, 10, 2], // 1.5 → 2
    [25, 10, 2], // 2.5 → 2
  ])('%i / %i = %i', (n, d, q) => expect(divideHalfEven(n, d)).toBe(q));
  it('refuses negatives and fractions', () => {
    expect(() => divideHalfEven(-1, 2)).toThrow(RangeError);
    expect(() => divideHalfEven(1.5, 2)).toThrow(RangeError);
  });
});

describe('proportional allocation', () => {
  it('splits exactly, leftover cents to the largest remainders, ties by order', () => {
    expect(allocateProportionally(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocateProportionally(100, [1, 1, 1], [2, 1, 0])).toEqual([33, 33, 34]);
    expect(allocateProportionally(10, [2000, 333])).toEqual([9, 1]);
    expect(allocateProportionally(0, [5, 5])).toEqual([0, 0]);
  });
  it('stays exact beyond 2^53 intermediate products', () => {
    const shares = allocateProportionally(1_980_000_000, [99_000_000, 99_000_001, 1]);
    expect(shares.reduce((s, x) => s + x, 0)).toBe(1_980_000_000);
  });
});

describe('lines, subtotal and total without promotions', () => {
  it('prices each line, picks the cheapest method, taxes by CA rate (region beats country)', () => {
    const r = priceCheckout(input());
    expect(r.lines.map((l) => [l.key, l.lineTotal, l.discount, l.taxable, l.tax])).toEqual([
      ['a', 2000, 0, 2000, 145], // 2000 × 7.25 % = 145
      ['b', 333, 0, 333, 24], // 24.1425 → 24
    ]);
    expect(r.subtotal).toBe(2333);
    expect(r.shippingOptions.map((o) => [o.methodId, o.price, o.estimatedDelivery])).toEqual([
      ['std', 500, '3–5 business days'],
      ['exp', 1500, '1–2 business days'],
    ]);
    expect(r.shipping?.methodId).toBe('std');
    expect(r.taxLines).toEqual([{ taxRateId: 't-ca', name: 'CA sales tax', rateBasisPoints: 725, taxable: 2333, amount: 169 }]);
    expect(r.total).toBe(2333 + 500 + 169);
    expect(r.errors).toEqual([]);
  });

  it('falls back to the country rate when the region has none, and no tax where no rate', () => {
    expect(priceCheckout(input({ address: { country: 'US', region: 'NY' } })).taxLines[0]).toMatchObject({ taxRateId: 't-us', amount: 100 + 17 }); // 16.65 → 17
    const fr = priceCheckout(input({ address: { country: 'FR' }, shippingMethods: [{ ...standard, countries: ['FR'] }] }));
    expect(fr.taxLines).toEqual([]);
    expect(fr.taxTotal).toBe(0);
  });

  it('no address: no shipping, no tax, no error', () => {
    const r = priceCheckout(input({ address: null }));
    expect(r.shipping).toBeNull();
    expect(r.shippingOptions).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.total).toBe(2333);
  });

  it('a chosen method that does not ship there is SHIPPING_UNAVAILABLE; nothing at all too', () => {
    const de = priceCheckout(input({ address: { country: 'DE' }, shippingMethodId: 'exp' }));
    expect(de.errors).toEqual([{ code: 'SHIPPING_UNAVAILABLE', message: 'That shipping method does not ship to DE', field: ['shippingMethodId'] }]);
    const jp = priceCheckout(input({ address: { country: 'JP' } }));
    expect(jp.errors).toEqual([{ code: 'SHIPPING_UNAVAILABLE', message: 'No shipping method ships to JP', field: ['shippingAddress', 'country'] }]);
    const inactive = priceCheckout(input({ shippingMethods: [{ ...standard, active: false }, { ...express, currency: 'EUR' }] }));
    expect(inactive.errors.map((e) => e.code)).toEqual(['SHIPPING_UNAVAILABLE']);
    // A shop without any shipping method charges none and refuses nothing.
    const none = priceCheckout(input({ shippingMethods: [] }));
    expect([none.errors, none.shipping, none.total]).toEqual([[], null, 2333 + 169]);
  });

  it('express when asked for; free-over threshold on the discounted subtotal', () => {
    expect(priceCheckout(input({ shippingMethodId: 'exp' })).shipping).toMatchObject({ methodId: 'exp', price: 1500, carrier: 'UPS' });
    const big = priceCheckout(input({ lines: [line('a', 5000)] }));
    expect(big.shipping).toMatchObject({ methodId: 'std', price: 0 });
    const discounted = priceCheckout(input({ lines: [line('a', 5000)], promotions: [promo({ id: 'p', kind: 'PERCENTAGE', value: 1000 })] }));
    expect(discounted.shipping).toMatchObject({ methodId: 'std', price: 500 }); // 4500 < 5000
  });
});

describe('promotions', () => {
  const welcome = promo({ id: 'welcome', code: 'WELCOME10', kind: 'PERCENTAGE', value: 1000 });
  const freeship = promo({ id: 'freeship', code: 'FREESHIP', kind: 'FREE_SHIPPING', value: 0 });

  it('percentage: rounded per line half-even; line shares sum to the discount; tax on discounted lines', () => {
    const r = priceCheckout(input({ lines: [line('a', 1005), line('b', 1015), line('c', 333)], promotionCodes: ['welcome10'], promotions: [welcome] }));
    expect(r.discounts).toEqual([{ promotionId: 'welcome', code: 'WELCOME10', kind: 'PERCENTAGE', description: 'welcome: 10% off', amount: 100 + 102 + 33, lineShares: { a: 100, b: 102, c: 33 } }]);
    // 100.5 → 100 (even), 101.5 → 102 (even), 33.3 → 33
    expect(r.lines.map((l) => l.discount)).toEqual([100, 102, 33]);
    expect(r.lines.map((l) => l.taxable)).toEqual([905, 913, 300]);
    expect(r.lines.map((l) => l.tax)).toEqual([66, 66, 22]); // 65.6125, 66.1925, 21.75
    expect(r.total).toBe(2353 - 235 + 500 + 154);
  });

  it('fixed amount: split by largest remainder, never more than the eligible lines', () => {
    const fixed = promo({ id: 'f', code: 'TENOFF', kind: 'FIXED_AMOUNT', value: 1000 });
    const r = priceCheckout(input({ lines: [line('a', 1000), line('b', 1000), line('c', 1000)], promotionCodes: ['TENOFF'], promotions: [fixed] }));
    expect(r.discounts[0].lineShares).toEqual({ a: 334, b: 333, c: 333 });
    const capped = priceCheckout(input({ lines: [line('a', 300)], promotionCodes: ['tenoff'], promotions: [fixed] }));
    expect(capped.discountTotal).toBe(300);
    expect(capped.total).toBe(500); // only shipping
  });

  it('percentage before fixed, each on what the previous left', () => {
    const fixed = promo({ id: 'f', kind: 'FIXED_AMOUNT', value: 500 });
    const pct = promo({ id: 'z', kind: 'PERCENTAGE', value: 5000 });
    const r = priceCheckout(input({ lines: [line('a', 2000)], promotions: [fixed, pct] }));
    expect(r.discounts.map((d) => [d.promotionId, d.amount])).toEqual([
      ['z', 1000],
      ['f', 500],
    ]);
    expect(r.lines[0].discount).toBe(1500);
  });

  it('free shipping waives the chosen quote and is a discount without line shares', () => {
    const r = priceCheckout(input({ shippingMethodId: 'exp', promotionCodes: ['FreeShip'], promotions: [freeship] }));
    expect(r.shipping?.price).toBe(1500);
    expect(r.discounts).toEqual([{ promotionId: 'freeship', code: 'FREESHIP', kind: 'FREE_SHIPPING', description: 'freeship: free shipping', amount: 1500, lineShares: {} }]);
    expect(r.lines.every((l) => l.discount === 0)).toBe(true);
    expect(r.total).toBe(2333 + 169);
  });

  it('category eligibility: only matching lines share the discount', () => {
    const shoes = promo({ id: 's', kind: 'PERCENTAGE', value: 2000, categorySlugs: ['shoes'] });
    const r = priceCheckout(input({ lines: [line('a', 1000, 1, ['shoes']), line('b', 1000, 1, ['hats'])], promotions: [shoes] }));
    expect(r.lines.map((l) => l.discount)).toEqual([200, 0]);
  });

  it('PROMOTION_INVALID says why: unknown, expired, not yet valid, used up, per customer, minimum, category, archived', () => {
    const cases: [PromotionRule, RegExp][] = [
      [promo({ id: '1', code: 'OLD', kind: 'PERCENTAGE', value: 100, endsAt: new Date('2026-01-01T00:00:00Z') }), /expired/],
      [promo({ id: '2', code: 'SOON', kind: 'PERCENTAGE', value: 100, startsAt: new Date('2027-01-01T00:00:00Z') }), /not valid before/],
      [promo({ id: '3', code: 'GONE', kind: 'PERCENTAGE', value: 100, usageLimit: 10, usageCount: 10 }), /used up/],
      [promo({ id: '4', code: 'ONCE', kind: 'PERCENTAGE', value: 100, perCustomerLimit: 1 }), /1 time per customer/],
      [promo({ id: '5', code: 'BIG', kind: 'PERCENTAGE', value: 100, minSubtotal: 10000 }), /at least 100.00 USD/],
      [promo({ id: '6', code: 'CAT', kind: 'PERCENTAGE', value: 100, categorySlugs: ['shoes'] }), /applies only to shoes/],
      [promo({ id: '7', code: 'ARCH', kind: 'PERCENTAGE', value: 100, active: false }), /no longer available/],
    ];
    for (const [p, why] of cases) {
      const r = priceCheckout(input({ promotionCodes: [p.code!.toLowerCase()], promotions: [p], customerUses: new Map([['4', 1]]) }));
      expect(r.errors).toEqual([{ code: 'PROMOTION_INVALID', message: expect.stringMatching(why), field: ['promotionCodes', '0'] }]);
      expect(r.discounts).toEqual([]);
    }
    const unknown = priceCheckout(input({ promotionCodes: ['NOPE'] }));
    expect(unknown.errors).toEqual([{ code: 'PROMOTION_INVALID', message: 'Code NOPE is not a valid promotion code', field: ['promotionCodes', '0'] }]);
  });

  it('automatic promotions apply silently when their conditions hold; the same code twice counts once', () => {
    const auto = promo({ id: 'auto', kind: 'FIXED_AMOUNT', value: 100, minSubtotal: 2000 });
    expect(priceCheckout(input({ promotions: [auto] })).discounts.map((d) => [d.promotionId, d.code, d.amount])).toEqual([['auto', null, 100]]);
    expect(priceCheckout(input({ lines: [line('a', 100)], promotions: [auto] })).discounts).toEqual([]);
    expect(priceCheckout(input({ lines: [line('a', 100)], promotions: [auto] })).errors).toEqual([]);
    const twice = priceCheckout(input({ promotionCodes: ['WELCOME10', 'welcome10'], promotions: [welcome] }));
    expect(twice.discounts).toHaveLength(1);
  });
});

describe('prices include tax (DE 19 % inclusive, shipping taxed)', () => {
  it('reports the contained tax per line and does not add it to the total', () => {
    const r = priceCheckout(
      input({ address: { country: 'DE' }, pricesIncludeTax: true, lines: [line('a', 1190), line('b', 999)], currency: 'USD' }),
    );
    // 1190 contains 190; 999 / 1.19 = 839.495… → 839, tax 160; shipping 500 / 1.19 = 420.168 → 420, tax 80
    expect(r.lines.map((l) => l.tax)).toEqual([190, 160]);
    expect(r.shippingTax).toBe(80);
    expect(r.taxLines).toEqual([{ taxRateId: 't-de', name: 'DE VAT', rateBasisPoints: 1900, taxable: 2189 + 500, amount: 430 }]);
    expect(r.total).toBe(2189 + 500);
  });
});

describe('taxRateFor', () => {
  it('region beats country, case-insensitive', () => {
    expect(taxRateFor([usTax, caTax], { country: 'us', region: 'ca' })?.id).toBe('t-ca');
    expect(taxRateFor([usTax, caTax], { country: 'US' })?.id).toBe('t-us');
    expect(taxRateFor([caTax], { country: 'US', region: 'TX' })).toBeNull();
  });
});

describe('properties across random carts', () => {
  const lineArb = fc.record({
    unitPrice: fc.integer({ min: 0, max: 1_000_000 }),
    quantity: fc.integer({ min: 1, max: 99 }),
    categorySlugs: fc.subarray(['shoes', 'hats', 'books']),
  });
  const promoArb = fc.record({
    kind: fc.constantFrom<PromotionRule['kind']>('PERCENTAGE', 'FIXED_AMOUNT', 'FREE_SHIPPING'),
    value: fc.integer({ min: 0, max: 20_000_000 }),
    categorySlugs: fc.subarray(['shoes', 'hats', 'books'], { maxLength: 2 }),
    minSubtotal: fc.option(fc.integer({ min: 0, max: 500_000 }), { nil: null }),
    automatic: fc.boolean(),
  });
  const scenario = fc.record({
    lines: fc.array(lineArb, { minLength: 1, maxLength: 20 }),
    promos: fc.array(promoArb, { maxLength: 4 }),
    rate: fc.integer({ min: 0, max: 2500 }),
    appliesToShipping: fc.boolean(),
    pricesIncludeTax: fc.boolean(),
    express: fc.boolean(),
    region: fc.constantFrom('CA', 'NY', null),
  });
  type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;
  const build = (s: Scenario): PricingInput => {
    const promotions = s.promos.map((p, i) => promo({ id: `p${i}`, code: p.automatic ? null : `CODE${i}`, kind: p.kind, value: p.kind === 'PERCENTAGE' ? p.value % 10001 : p.value, categorySlugs: p.categorySlugs, minSubtotal: p.minSubtotal }));
    return input({
      lines: s.lines.map((l, i) => line(`v${i}`, l.unitPrice, l.quantity, l.categorySlugs)),
      promotions,
      promotionCodes: promotions.filter((p) => p.code).map((p) => p.code!.toLowerCase()),
      taxRates: [{ ...caTax, rateBasisPoints: s.rate, appliesToShipping: s.appliesToShipping }, usTax],
      pricesIncludeTax: s.pricesIncludeTax,
      shippingMethodId: s.express ? 'exp' : null,
      address: { country: 'US', region: s.region },
    });
  };

  it('line shares sum to each discount exactly, never exceed a line, and the total adds up', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const r = priceCheckout(build(s));
        for (const d of r.discounts) {
          if (d.kind !== 'FREE_SHIPPING') expect(Object.values(d.lineShares).reduce((a, b) => a + b, 0)).toBe(d.amount);
        }
        const lineDiscounts = r.discounts.filter((d) => d.kind !== 'FREE_SHIPPING').reduce((a, d) => a + d.amount, 0);
        expect(r.lines.reduce((a, l) => a + l.discount, 0)).toBe(lineDiscounts);
        for (const l of r.lines) {
          expect(Number.isInteger(l.discount) && l.discount >= 0 && l.discount <= l.lineTotal).toBe(true);
          expect(Number.isInteger(l.tax) && l.tax >= 0).toBe(true);
          if (r.pricesIncludeTax) expect(l.tax).toBeLessThanOrEqual(l.taxable);
        }
        expect(r.discountTotal).toBeLessThanOrEqual(r.subtotal + (r.shipping?.price ?? 0));
        expect(r.taxTotal).toBe(r.lines.reduce((a, l) => a + l.tax, 0) + r.shippingTax);
        expect(r.total).toBe(r.subtotal - r.discountTotal + (r.shipping?.price ?? 0) + (r.pricesIncludeTax ? 0 : r.taxTotal));
        expect(Number.isSafeInteger(r.total) && r.total >= 0).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a preview and the order agree: same inputs, same result; the lines\u2019 order does not change any amount', () => {
    fc.assert(
      fc.property(scenario, fc.integer(), (s, seed) => {
        const a = priceCheckout(build(s));
        const b = priceCheckout(build(s));
        expect(b).toEqual(a);
        const shuffledInput = build(s);
        const shuffled = [...shuffledInput.lines].sort((x, y) => ((x.key.length * 31 + seed) % 7) - ((y.key.length * 31 + seed) % 7) || (x.key < y.key ? 1 : -1));
        const c = priceCheckout({ ...shuffledInput, lines: shuffled });
        expect(c.total).toBe(a.total);
        expect(c.discounts.map((d) => [d.promotionId, d.amount, d.lineShares])).toEqual(a.discounts.map((d) => [d.promotionId, d.amount, d.lineShares]));
        expect(Object.fromEntries(c.lines.map((l) => [l.key, [l.discount, l.tax]]))).toEqual(Object.fromEntries(a.lines.map((l) => [l.key, [l.discount, l.tax]])));
      }),
      { numRuns: 300 },
    );
  });
});
