import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createEvent } from '@shopgraph/events';
import { createTestDatabase } from '@shopgraph/testkit';
import { handleShippingMethodEvent } from '../src/events/shipping-replica.handler';
import { migrations } from '../src/migrations';
import { Checkout1767500000000 } from '../src/migrations/1767500000000-checkout';
import { CheckoutStore, PromotionRedemptionError, type PromotionFields } from '../src/stores/checkout.store';

// The checkout store on the real PostgreSQL of the local stack: promotion limits under a race,
// uses given back on cancellation, tax rate upserts, the shipping replica's ordering.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dataSource: DataSource;
let store: CheckoutStore;

beforeAll(async () => {
  db = await createTestDatabase('orders-checkout');
  dataSource = new DataSource({
    type: 'postgres',
    url: db.url,
    // Until the migration list names the checkout migration, add it here (never twice).
    migrations: [...migrations.filter((m) => m !== Checkout1767500000000), Checkout1767500000000],
    extra: { max: 60 },
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  store = new CheckoutStore(dataSource);
}, 60_000);

afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

const fields = (over: Partial<PromotionFields> = {}): PromotionFields => ({
  name: 'Ten off',
  code: `CODE${randomUUID().slice(0, 8)}`,
  kind: 'PERCENTAGE',
  value: 1000,
  minSubtotal: null,
  categorySlugs: [],
  startsAt: null,
  endsAt: null,
  usageLimit: null,
  perCustomerLimit: null,
  ...over,
});

/** One placeOrder's transaction: redeem, then commit; a refusal rolls it back. */
const place = (promotion: { id: string; code: string | null }, customerId: string, orderId = randomUUID()) =>
  dataSource.transaction(async (m) => {
    await store.redeem(m, orderId, customerId, [promotion]);
    return orderId;
  });

describe('promotion uses', () => {
  it('a race of 50 orders for a code with 10 uses gives exactly 10', async () => {
    const promo = await store.createPromotion(fields({ usageLimit: 10 }));
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => place(promo, `customer-${i}`)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(10);
    expect(lost).toHaveLength(40);
    expect(lost.every((r) => r.reason instanceof PromotionRedemptionError && r.reason.reason === 'USED_UP')).toBe(true);
    expect((await store.promotion(promo.id))?.usageCount).toBe(10);
    const [{ n }] = await dataSource.query('SELECT count(*) AS n FROM promotion_uses WHERE promotion_id = $1', [promo.id]);
    expect(Number(n)).toBe(10);
  }, 60_000);

  it('per-customer limit holds under a race of one customer; other customers are not affected', async () => {
    const promo = await store.createPromotion(fields({ perCustomerLimit: 2 }));
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => place(promo, 'alice')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const refusals = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refusals.every((r) => r.reason instanceof PromotionRedemptionError && r.reason.reason === 'CUSTOMER_LIMIT')).toBe(true);
    await expect(place(promo, 'bob')).resolves.toEqual(expect.any(String));
    expect((await store.promotion(promo.id))?.usageCount).toBe(3); // refused ones rolled back their increment
    expect(await store.customerUses('alice', [promo.id])).toEqual(new Map([[promo.id, 2]]));
  }, 60_000);

  it('a cancelled order gives its use back, once however often the cancellation is applied', async () => {
    const promo = await store.createPromotion(fields({ usageLimit: 1, perCustomerLimit: 1 }));
    const first = await place(promo, 'carol');
    await expect(place(promo, 'dave')).rejects.toBeInstanceOf(PromotionRedemptionError);
    expect(await dataSource.transaction((m) => store.release(m, first))).toEqual([promo.id]);
    expect(await dataSource.transaction((m) => store.release(m, first))).toEqual([]); // redelivered cancellation
    expect((await store.promotion(promo.id))?.usageCount).toBe(0);
    expect(await store.customerUses('carol', [promo.id])).toEqual(new Map());
    await expect(place(promo, 'carol')).resolves.toEqual(expect.any(String)); // carol may use it again
    expect((await store.promotion(promo.id))?.usageCount).toBe(1);
  });

  it('codes are looked up case-insensitively; automatic promotions always come along; archived ones never', async () => {
    const coded = await store.createPromotion(fields({ code: `Mixed${randomUUID().slice(0, 6)}` }));
    const auto = await store.createPromotion(fields({ code: null, kind: 'FIXED_AMOUNT', value: 100 }));
    const found = await store.promotionsForPricing([coded.code!.toLowerCase()]);
    expect(found.map((p) => p.id)).toEqual(expect.arrayContaining([coded.id, auto.id]));
    await store.archivePromotion(coded.id);
    expect((await store.promotionsForPricing([coded.code!])).map((p) => p.id)).not.toContain(coded.id);
  });

  it('two active promotions cannot share a code, whatever its case', async () => {
    const code = `DUP${randomUUID().slice(0, 6)}`;
    await store.createPromotion(fields({ code }));
    await expect(store.createPromotion(fields({ code: code.toLowerCase() }))).rejects.toThrow(/promotions_code_idx/);
  });
});

describe('tax rates', () => {
  it('upsert by (country, region); a country rate and a region rate coexist', async () => {
    const ca = await store.setTaxRate({ name: 'CA sales tax', country: 'us', region: 'ca', rateBasisPoints: 700, appliesToShipping: false });
    const again = await store.setTaxRate({ name: 'CA sales tax', country: 'US', region: 'CA', rateBasisPoints: 725, appliesToShipping: false });
    expect(again.id).toBe(ca.id);
    await store.setTaxRate({ name: 'DE VAT', country: 'DE', region: null, rateBasisPoints: 1900, appliesToShipping: true });
    const rates = await store.taxRates();
    expect(rates.map((r) => [r.country, r.region, r.rateBasisPoints])).toEqual([
      ['DE', null, 1900],
      ['US', 'CA', 725],
    ]);
    expect(await store.removeTaxRate(ca.id)).toMatchObject({ id: ca.id });
    expect(await store.removeTaxRate(ca.id)).toBeNull();
  });
});

describe('shipping method replica', () => {
  it('applies a higher revision, ignores an older or repeated one, lists active ones cheapest first', async () => {
    const base = { carrier: null, description: null, currency: 'USD', freeOver: null, minDeliveryDays: 3, maxDeliveryDays: 5 };
    expect(await store.upsertShippingMethod({ ...base, id: 'std', name: 'Standard', countries: ['us'], price: 500, active: true }, 2)).toBe(true);
    expect(await store.upsertShippingMethod({ ...base, id: 'std', name: 'Standard', countries: ['us'], price: 500, active: true }, 2)).toBe(false);
    expect(await store.upsertShippingMethod({ ...base, id: 'std', name: 'Old', countries: ['US'], price: 1, active: true }, 1)).toBe(false);
    await store.upsertShippingMethod({ ...base, id: 'exp', name: 'Express', countries: ['US'], price: 1500, active: true }, 1);
    await store.upsertShippingMethod({ ...base, id: 'gone', name: 'Gone', countries: ['US'], price: 100, active: false }, 1);
    expect((await store.shippingMethods()).map((m) => [m.id, m.name, m.price, m.countries])).toEqual([
      ['std', 'Standard', 500, ['US']],
      ['exp', 'Express', 1500, ['US']],
    ]);
    expect((await store.shippingMethods(true)).map((m) => m.id)).toEqual(['gone', 'std', 'exp']);
  });
});

describe('ShippingMethodChanged → replica', () => {
  const event = (revision: number, price: number, active = true) =>
    createEvent(
      'ShippingMethodChanged',
      'ovn',
      {
        methodId: 'ovn',
        revision,
        name: 'Overnight',
        carrier: 'DHL',
        description: null,
        countries: ['DE', 'FR'],
        price: { amount: price, currency: 'EUR' },
        freeOver: { amount: 10000, currency: 'EUR' },
        minDeliveryDays: 1,
        maxDeliveryDays: 1,
        active,
      },
      { source: 'shipping' },
    );

  it('applies each event once, the highest revision wins whatever the arrival order', async () => {
    const r2 = event(2, 2500);
    expect(await handleShippingMethodEvent(dataSource, store, r2)).toBe(true);
    expect(await handleShippingMethodEvent(dataSource, store, r2)).toBe(false); // redelivered
    expect(await handleShippingMethodEvent(dataSource, store, event(1, 900))).toBe(false); // older, late
    const ovn = (await store.shippingMethods(true)).find((m) => m.id === 'ovn');
    expect(ovn).toMatchObject({ price: 2500, currency: 'EUR', freeOver: 10000, carrier: 'DHL', countries: ['DE', 'FR'], active: true });
    expect(await handleShippingMethodEvent(dataSource, store, event(3, 2500, false))).toBe(true); // archived
    expect((await store.shippingMethods()).map((m) => m.id)).not.toContain('ovn');
  });
});
