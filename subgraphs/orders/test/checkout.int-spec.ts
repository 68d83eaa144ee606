import { randomUUID } from 'node:crypto';
import { createEvent } from '@shopgraph/events';
import { admin, customer, startOrdersSubgraph, type TestOrdersSubgraph } from './fixtures/orders-subgraph';

// Checkout through the real orders subgraph (PostgreSQL, Redis of the local stack): the preview and
// placeOrder price with the same function, the order keeps its breakdown, promotion limits hold
// under a race of placeOrders, a cancellation gives the use back.
const ca = { recipient: 'Grace Hopper', line1: '1 Infinite Loop', city: 'Cupertino', region: 'CA', postalCode: '95014', country: 'US' };

const ADD = `mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { errors { code } } }`;
const PREVIEW = `query ($input: CheckoutPreviewInput!) { checkoutPreview(input: $input) {
  lines { product { id } quantity unitPrice { amount } lineTotal { amount } discount { amount } }
  subtotal { amount } discounts { code description amount { amount } promotion { id code kind } } discountTotal { amount }
  shippingOptions { method { id } price { amount } estimatedDelivery } shipping { method { id } price { amount } }
  taxLines { name rateBasisPoints taxable { amount } amount { amount } } taxTotal { amount } total { amount currency } pricesIncludeTax
  errors { code message field } } }`;
const PLACE = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) {
  order { id total { amount } subtotal { amount } discountTotal { amount } shippingTotal { amount } taxTotal { amount }
    discounts { code amount { amount } promotion { code usageCount } } taxLines { name rateBasisPoints taxable { amount } amount { amount } }
    shippingMethod { method { id } name carrier price { amount } } }
  errors { code message field } } }`;
const CREATE_PROMO = `mutation ($input: PromotionInput!) { createPromotion(input: $input) { promotion { id code usageCount } errors { code message field } } }`;
const PROMOS = `{ promotions(first: 100) { edges { node { id code usageCount } } totalCount } }`;
const SET_TAX = `mutation ($input: TaxRateInput!) { setTaxRate(input: $input) { taxRate { id country region rateBasisPoints } errors { code field } } }`;

describe('checkout', () => {
  let orders: TestOrdersSubgraph;
  const boss = admin();

  const method = (methodId: string, name: string, price: number, countries: string[], extra: Record<string, unknown> = {}) =>
    orders.service.handle(
      createEvent(
        'ShippingMethodChanged',
        methodId,
        { methodId, revision: 1, name, carrier: 'UPS', description: null, countries, price: { amount: price, currency: 'USD' }, freeOver: null, minDeliveryDays: 3, maxDeliveryDays: 5, active: true, ...extra },
        { source: 'shipping' },
      ),
    );
  const promoCode = () => `T${randomUUID().slice(0, 8)}`;
  const createPromo = async (input: Record<string, unknown>) => {
    const res = await orders.call(CREATE_PROMO, { input }, boss);
    expect(res.body.data?.createPromotion.errors).toEqual([]);
    return res.body.data!.createPromotion.promotion as { id: string; code: string };
  };
  const usageOf = async (id: string) => ((await orders.sql<{ usage_count: number }>('SELECT usage_count FROM promotions WHERE id = $1', [id]))[0]).usage_count;

  let std: string;
  let exp: string;
  beforeAll(async () => {
    orders = await startOrdersSubgraph({ CONSUMERS: '' });
    std = randomUUID();
    exp = randomUUID();
    await method(std, 'Standard', 500, ['US', 'CA', 'DE'], { freeOver: { amount: 10000, currency: 'USD' } });
    await method(exp, 'Express', 1500, ['US'], { minDeliveryDays: 1, maxDeliveryDays: 2 });
    const tax = await orders.call(SET_TAX, { input: { name: 'CA sales tax', country: 'us', region: 'ca', rateBasisPoints: 725 } }, boss);
    expect(tax.body.data?.setTaxRate.errors).toEqual([]);
  }, 60_000);
  afterAll(async () => {
    await orders?.stop();
  });

  it('preview and order agree to the cent: code, express shipping to California, tax; the order keeps its breakdown', async () => {
    const me = customer();
    const code = promoCode();
    await createPromo({ name: 'Welcome', code, kind: 'PERCENTAGE', value: 1000 });
    const lamp = await orders.givenProduct({ price: { amount: 1999, currency: 'USD' } });
    const bulb = await orders.givenProduct({ price: { amount: 333, currency: 'USD' } });
    await orders.call(ADD, { p: lamp, q: 2 }, me);
    await orders.call(ADD, { p: bulb, q: 3 }, me);

    const preview = (await orders.call(PREVIEW, { input: { shippingAddress: ca, shippingMethodId: exp, promotionCodes: [code.toLowerCase()] } }, me)).body.data!.checkoutPreview;
    expect(preview.errors).toEqual([]);
    expect(preview.subtotal.amount).toBe(3998 + 999);
    // 10 % per line, half-even: 399.8 → 400, 99.9 → 100
    expect(preview.discounts).toEqual([{ code, description: 'Welcome: 10% off', amount: { amount: 500 }, promotion: expect.objectContaining({ code, kind: 'PERCENTAGE' }) }]);
    expect(preview.lines.map((l: any) => l.discount.amount).sort()).toEqual([100, 400]);
    expect(preview.shippingOptions.map((o: any) => [o.method.id, o.price.amount])).toEqual([
      [std, 500],
      [exp, 1500],
    ]);
    expect(preview.shipping).toEqual({ method: { id: exp }, price: { amount: 1500 } });
    // CA 7.25 % on the discounted lines: 3598 → 260.855 → 261, 899 → 65.1775 → 65
    expect(preview.taxLines).toEqual([{ name: 'CA sales tax', rateBasisPoints: 725, taxable: { amount: 4497 }, amount: { amount: 326 } }]);
    expect(preview.total).toEqual({ amount: 4997 - 500 + 1500 + 326, currency: 'USD' });

    const wrong = await orders.call(PLACE, { input: { idempotencyKey: randomUUID(), shippingAddress: ca, paymentToken: 'tok_visa', shippingMethodId: exp, promotionCodes: [code], expectedTotal: preview.total.amount - 1 } }, me);
    expect(wrong.body.data!.placeOrder).toEqual({ order: null, errors: [expect.objectContaining({ code: 'CONFLICT', field: ['input', 'expectedTotal'] })] });

    const placed = await orders.call(PLACE, { input: { idempotencyKey: randomUUID(), shippingAddress: ca, paymentToken: 'tok_visa', shippingMethodId: exp, promotionCodes: [code], expectedTotal: preview.total.amount } }, me);
    const { order, errors } = placed.body.data!.placeOrder;
    expect(errors).toEqual([]);
    expect(order).toMatchObject({
      total: { amount: preview.total.amount },
      subtotal: { amount: 4997 },
      discountTotal: { amount: 500 },
      shippingTotal: { amount: 1500 },
      taxTotal: { amount: 326 },
      discounts: [{ code, amount: { amount: 500 }, promotion: { code, usageCount: 1 } }],
      taxLines: preview.taxLines,
      shippingMethod: { method: { id: exp }, name: 'Express', carrier: 'UPS', price: { amount: 1500 } },
    });
    // OrderStatusChanged carries the totals.
    const [event] = await orders.sql<{ envelope: any }>(`SELECT envelope FROM outbox WHERE envelope->>'type' = 'OrderStatusChanged' AND envelope->>'aggregateId' = $1`, [order.id]);
    expect(event.envelope.payload.summary).toMatchObject({ subtotal: 4997, total: preview.total.amount, discountTotal: 500, shippingTotal: 1500, taxTotal: 326 });
    // Once stock is reserved, the payment asked for is the order's total (the preview's).
    await orders.service.handle(createEvent('StockReserved', order.id, { orderId: order.id, lines: [{ productId: lamp, quantity: 2 }, { productId: bulb, quantity: 3 }] }, { source: 'inventory' }));
    const [authorize] = await orders.sql<{ envelope: any }>(`SELECT envelope FROM outbox WHERE envelope->>'type' = 'AuthorizePayment' AND envelope->>'aggregateId' = $1`, [order.id]);
    expect(authorize.envelope.payload.amount).toEqual({ amount: preview.total.amount, currency: 'USD' });
    // The order's total column is what the saga's AuthorizePayment reads.
    expect((await orders.sql('SELECT total, discount, tax FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.id = $1 ORDER BY position', [order.id])).map((r: any) => [r.total, r.discount + r.tax])).toEqual([
      [preview.total.amount, expect.any(Number)],
      [preview.total.amount, expect.any(Number)],
    ]);
  });

  it('PROMOTION_INVALID says why; SHIPPING_UNAVAILABLE for a country nothing ships to or a method that does not', async () => {
    const me = customer();
    const p = await orders.givenProduct({ price: { amount: 1000, currency: 'USD' } });
    await orders.call(ADD, { p, q: 1 }, me);
    const expired = await createPromo({ name: 'Old', code: promoCode(), kind: 'FIXED_AMOUNT', value: 100, endsAt: '2020-01-01T00:00:00.000Z' });
    const future = await createPromo({ name: 'Soon', code: promoCode(), kind: 'FIXED_AMOUNT', value: 100, startsAt: '2099-01-01T00:00:00.000Z' });
    const preview = async (input: Record<string, unknown>) => (await orders.call(PREVIEW, { input }, me)).body.data!.checkoutPreview;
    expect((await preview({ shippingAddress: ca, promotionCodes: ['NOPE-123', expired.code, future.code] })).errors).toEqual([
      { code: 'PROMOTION_INVALID', message: 'Code NOPE-123 is not a valid promotion code', field: ['input', 'promotionCodes', '0'] },
      { code: 'PROMOTION_INVALID', message: expect.stringContaining('expired'), field: ['input', 'promotionCodes', '1'] },
      { code: 'PROMOTION_INVALID', message: expect.stringContaining('not valid before'), field: ['input', 'promotionCodes', '2'] },
    ]);
    expect((await preview({ shippingAddress: { ...ca, country: 'JP', region: null } })).errors).toEqual([
      { code: 'SHIPPING_UNAVAILABLE', message: 'No shipping method ships to JP', field: ['input', 'shippingAddress', 'country'] },
    ]);
    expect((await preview({ shippingAddress: { ...ca, country: 'DE', region: null }, shippingMethodId: exp })).errors).toEqual([
      { code: 'SHIPPING_UNAVAILABLE', message: 'That shipping method does not ship to DE', field: ['input', 'shippingMethodId'] },
    ]);
    const placed = await orders.call(PLACE, { input: { idempotencyKey: randomUUID(), shippingAddress: { ...ca, country: 'JP', region: null }, paymentToken: 'tok_visa' } }, me);
    expect(placed.body.data!.placeOrder).toEqual({ order: null, errors: [expect.objectContaining({ code: 'SHIPPING_UNAVAILABLE' })] });
  });

  it('a race of 50 placeOrders for a code with 10 uses gives exactly 10 orders; a cancelled order gives its use back', async () => {
    const promo = await createPromo({ name: 'Ten only', code: promoCode(), kind: 'PERCENTAGE', value: 500, usageLimit: 10 });
    const p = await orders.givenProduct({ price: { amount: 2000, currency: 'USD' } });
    const buyers = Array.from({ length: 50 }, () => customer());
    const results = await Promise.all(
      buyers.map((me) =>
        orders.call(PLACE, { input: { idempotencyKey: randomUUID(), items: [{ productId: p, quantity: 1 }], shippingAddress: ca, paymentToken: 'tok_visa', promotionCodes: [promo.code] } }, me),
      ),
    );
    const payloads = results.map((r) => r.body.data!.placeOrder);
    const won = payloads.filter((x) => x.order);
    expect(won).toHaveLength(10);
    expect(payloads.filter((x) => !x.order).every((x) => x.errors[0].code === 'PROMOTION_INVALID' && /used up/.test(x.errors[0].message))).toBe(true);
    expect(await usageOf(promo.id)).toBe(10);
    expect((await orders.sql('SELECT count(*)::int AS n FROM orders o WHERE o.discounts @> $1::jsonb', [JSON.stringify([{ promotionId: promo.id }])]))[0].n).toBe(10);

    const winner = buyers[payloads.findIndex((x) => x.order)];
    const cancel = await orders.call(`mutation ($id: ID!) { cancelOrder(id: $id) { order { status } errors { code } } }`, { id: won[0].order.id }, winner);
    expect(cancel.body.data!.cancelOrder).toEqual({ order: { status: 'CANCELLED' }, errors: [] });
    expect(await usageOf(promo.id)).toBe(9);
    const again = await orders.call(PLACE, { input: { idempotencyKey: randomUUID(), items: [{ productId: p, quantity: 1 }], shippingAddress: ca, paymentToken: 'tok_visa', promotionCodes: [promo.code] } }, customer());
    expect(again.body.data!.placeOrder.errors).toEqual([]);
    expect(await usageOf(promo.id)).toBe(10);
    const listed = (await orders.call(PROMOS, {}, boss)).body.data!.promotions.edges.find((e: any) => e.node.id === promo.id);
    expect(listed.node.usageCount).toBe(10);
  }, 120_000);

  it('admin only: tax rates and promotions; bad promotion input is INVALID_INPUT on its field', async () => {
    const denied = await orders.call(`{ taxRates { id } }`, {}, customer());
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await orders.call(CREATE_PROMO, { input: { name: 'x', code: 'a b', kind: 'PERCENTAGE', value: 20000 } }, boss);
    expect(bad.body.data!.createPromotion.errors.map((e: any) => [e.code, e.field])).toEqual([
      ['INVALID_INPUT', ['input', 'code']],
      ['INVALID_INPUT', ['input', 'value']],
    ]);
    const code = promoCode();
    await createPromo({ name: 'One', code, kind: 'FREE_SHIPPING', value: 0 });
    const dup = await orders.call(CREATE_PROMO, { input: { name: 'Two', code: code.toLowerCase(), kind: 'FREE_SHIPPING', value: 0 } }, boss);
    expect(dup.body.data!.createPromotion.errors).toEqual([expect.objectContaining({ code: 'ALREADY_EXISTS', field: ['input', 'code'] })]);
  });
});
