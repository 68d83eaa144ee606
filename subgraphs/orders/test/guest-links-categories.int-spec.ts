import { randomUUID } from 'node:crypto';
import { createEvent } from '@shopgraph/events';
import { admin, customer, startOrdersSubgraph, type TestOrdersSubgraph } from './fixtures/orders-subgraph';

// Two additions to checkout (issue 14), through the real orders subgraph on the local stack:
// category-limited promotions priced from the category slugs products.v1 carries into the
// replica, and guest orders linked to an account once it verified their email (users.v1 EmailVerified).
const ca = { recipient: 'Ada Lovelace', line1: '1 Main St', city: 'San Jose', region: 'CA', postalCode: '95113', country: 'US' };
const ADD = `mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { errors { code field } } }`;
const PREVIEW = `query ($input: CheckoutPreviewInput!) { checkoutPreview(input: $input) {
  lines { product { id } discount { amount } } subtotal { amount } discountTotal { amount } total { amount } errors { code field message } } }`;
const ORDER = 'id customer { id } guest email total { amount } discountTotal { amount } items { product { id } quantity }';
const PLACE = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { order { ${ORDER} } orderToken errors { code field message } } }`;
// A signed-in customer's order without the email (the test gives the replica no account email).
const PLACE_SIGNED_IN = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id total { amount } discountTotal { amount } } errors { code field message } } }`;
const BY_TOKEN = `query ($t: String!) { orderByToken(token: $t) { id customer { id } } }`;
const ORDER_BY_ID = `query ($id: ID!) { order(id: $id) { id } }`;
const USER_ORDERS = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id orders(first: 50) { totalCount edges { node { id guest email } } } } } }`;
const CREATE_PROMO = `mutation ($input: PromotionInput!) { createPromotion(input: $input) { promotion { id code categorySlugs } errors { code message } } }`;

describe('checkout: category-limited promotions and guest orders linked after email verification', () => {
  let orders: TestOrdersSubgraph;
  const boss = admin();
  const tag = randomUUID().slice(0, 8);

  beforeAll(async () => {
    orders = await startOrdersSubgraph({ CONSUMERS: '' });
    const methodId = randomUUID();
    await orders.service.handle(
      createEvent(
        'ShippingMethodChanged',
        methodId,
        { methodId, revision: 1, name: 'Standard', carrier: 'UPS', description: null, countries: ['US'], price: { amount: 500, currency: 'USD' }, freeOver: null, minDeliveryDays: 3, maxDeliveryDays: 5, active: true },
        { source: 'shipping' },
      ),
    );
  }, 60_000);
  afterAll(async () => {
    await orders?.stop();
  });

  describe('category eligibility', () => {
    it('a category-limited code discounts only the lines whose product is in the category (as products.v1 said), in the preview and the order alike', async () => {
      const shoes = `shoes-${tag}`;
      const shoe = await orders.givenProduct({ price: { amount: 5000, currency: 'USD' }, categorySlugs: [shoes] });
      const hat = await orders.givenProduct({ price: { amount: 3000, currency: 'USD' }, categorySlugs: [`hats-${tag}`] });
      const code = `SHOE${tag}`.toUpperCase();
      const promo = (await orders.call(CREATE_PROMO, { input: { name: 'Shoes 20 %', code, kind: 'PERCENTAGE', value: 2000, categorySlugs: [shoes] } }, boss)).body.data!.createPromotion;
      expect(promo.errors).toEqual([]);
      expect(await orders.sql('SELECT category_slugs FROM product_replica WHERE product_id = $1', [shoe])).toEqual([{ category_slugs: [shoes] }]);

      const me = customer();
      for (const p of [shoe, hat]) expect((await orders.call(ADD, { p, q: 1 }, me)).body.data!.addToCart.errors).toEqual([]);
      const preview = (await orders.call(PREVIEW, { input: { shippingAddress: ca, promotionCodes: [code] } }, me)).body.data!.checkoutPreview;
      expect(preview.errors).toEqual([]);
      expect(preview.subtotal.amount).toBe(8000);
      // 20 % of the shoe only.
      expect(preview.discountTotal.amount).toBe(1000);
      expect(preview.lines.map((l: any) => [l.product.id, l.discount.amount])).toEqual(expect.arrayContaining([[shoe, 1000], [hat, 0]]));

      const placedRes = await orders.call(PLACE_SIGNED_IN, { input: { idempotencyKey: randomUUID(), shippingAddress: ca, paymentToken: 'tok_visa', promotionCodes: [code], expectedTotal: preview.total.amount } }, me);
      expect(placedRes.body.errors).toBeUndefined();
      const placed = placedRes.body.data!.placeOrder;
      expect(placed.errors).toEqual([]);
      expect(placed.order).toMatchObject({ total: { amount: preview.total.amount }, discountTotal: { amount: 1000 } });
      // A signed-in customer's order: no guest address in its events.
      const [placedEvent] = await orders.sql<{ envelope: any }>(`SELECT envelope FROM outbox WHERE envelope->>'type' = 'OrderStatusChanged' AND envelope->>'aggregateId' = $1`, [placed.order.id]);
      expect(placedEvent.envelope.payload).not.toHaveProperty('email');
      const discounts = await orders.sql<{ product_id: string; discount: number }>('SELECT product_id, discount FROM order_items WHERE order_id = $1', [placed.order.id]);
      expect(Object.fromEntries(discounts.map((d) => [d.product_id, d.discount]))).toEqual({ [shoe]: 1000, [hat]: 0 });

      // A cart of products outside the category: the code is refused, saying why.
      const other = customer();
      expect((await orders.call(ADD, { p: hat, q: 2 }, other)).body.data!.addToCart.errors).toEqual([]);
      const refused = (await orders.call(PREVIEW, { input: { shippingAddress: ca, promotionCodes: [code] } }, other)).body.data!.checkoutPreview;
      expect(refused.discountTotal.amount).toBe(0);
      expect(refused.errors).toEqual([expect.objectContaining({ code: 'PROMOTION_INVALID', message: expect.stringContaining(shoes) })]);
    });

    it('follows the slugs products.v1 announces (a moved product, a renamed category); an event without them (an older producer) keeps what the replica had', async () => {
      const boots = `boots-${tag}`;
      const product = await orders.givenProduct({ price: { amount: 2000, currency: 'USD' } });
      const slugs = async () => (await orders.sql<{ category_slugs: string[] | null }>('SELECT category_slugs FROM product_replica WHERE product_id = $1', [product]))[0].category_slugs;
      // Created by an older producer: no slugs known, so no category-limited promotion applies.
      expect(await slugs()).toBeNull();
      const code = `BOOT${tag}`.toUpperCase();
      expect((await orders.call(CREATE_PROMO, { input: { name: 'Boots', code, kind: 'FIXED_AMOUNT', value: 300, categorySlugs: [boots] } }, boss)).body.data!.createPromotion.errors).toEqual([]);
      const me = customer();
      await orders.call(ADD, { p: product, q: 1 }, me);
      const discountNow = async () =>
        (await orders.call(PREVIEW, { input: { shippingAddress: ca, promotionCodes: [code] } }, me)).body.data!.checkoutPreview.discountTotal.amount;
      expect(await discountNow()).toBe(0);

      const update = (extra: Record<string, unknown>, at: Date) =>
        orders.service.handle({
          ...createEvent('ProductUpdated', product, { productId: product, sku: `SKU-${product.slice(0, 8)}`, slug: `p-${product}`, name: 'Boot', price: { amount: 2000, currency: 'USD' }, active: true, ...extra }, { source: 'products' }),
          occurredAt: at.toISOString(),
        });
      // The category's slug became boots-… (products republishes its products with the new slug).
      await update({ categorySlugs: [boots] }, new Date(Date.now() + 1000));
      expect(await slugs()).toEqual([boots]);
      expect(await discountNow()).toBe(300);
      // A later event without slugs keeps them; an older event with other slugs changes nothing.
      await update({}, new Date(Date.now() + 2000));
      expect(await slugs()).toEqual([boots]);
      await update({ categorySlugs: ['elsewhere'] }, new Date(Date.now() - 60_000));
      expect(await slugs()).toEqual([boots]);
      // Moved out of the category: the code no longer applies.
      await update({ categorySlugs: [`sandals-${tag}`] }, new Date(Date.now() + 3000));
      expect(await discountNow()).toBe(0);
    });
  });

  describe('guest orders linked after email verification', () => {
    const guestOrder = async (email: string, productId: string, idempotencyKey = randomUUID()) => {
      const placed = (await orders.call(PLACE, { input: { idempotencyKey, items: [{ productId, quantity: 1 }], shippingAddress: ca, paymentToken: 'tok_visa', email } }, null)).body.data!
        .placeOrder;
      expect(placed.errors).toEqual([]);
      return placed as { order: { id: string; customer: { id: string } }; orderToken: string };
    };
    const ordersOf = async (user: ReturnType<typeof customer>) => {
      const res = await orders.call(USER_ORDERS, { reps: [{ __typename: 'User', id: user.id }] }, user);
      expect(res.body.errors).toBeUndefined();
      return res.body.data!._entities[0].orders as { totalCount: number; edges: { node: { id: string; guest: boolean; email: string } }[] };
    };
    const verified = (user: ReturnType<typeof customer>, email: string, at = new Date()) =>
      createEvent('EmailVerified', user.id, { userId: user.id, email, name: 'Ann', verifiedAt: at.toISOString() }, { source: 'users' });

    it('an account sees the guest orders of its email (any case) only once it verified it; a redelivery changes nothing; later guest orders follow', async () => {
      const email = `ann.${tag}@example.com`;
      const p = await orders.givenProduct();
      const first = await guestOrder(`Ann.${tag}@Example.com`, p);
      const second = await guestOrder(email.toUpperCase(), p);
      const stranger = await guestOrder(`someone.${tag}@example.com`, p);
      const guestId = first.order.customer.id;
      expect(second.order.customer.id).toBe(guestId);
      // Its OrderStatusChanged names the guest's address (notifications mails it there).
      const [placedEvent] = await orders.sql<{ envelope: any }>(`SELECT envelope FROM outbox WHERE envelope->>'type' = 'OrderStatusChanged' AND envelope->>'aggregateId' = $1`, [first.order.id]);
      expect(placedEvent.envelope.payload).toMatchObject({ customerId: guestId, status: 'PENDING', email });

      // Registered with that email, not verified: none of them.
      const ann = customer();
      await orders.service.handle(createEvent('UserRegistered', ann.id, { userId: ann.id, email, name: 'Ann' }, { source: 'users' }));
      expect(await ordersOf(ann)).toEqual({ totalCount: 0, edges: [] });
      expect((await orders.call(ORDER_BY_ID, { id: first.order.id }, ann)).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');

      // Verified: both guest orders are the account's (still guest orders, with their email), the stranger's is not.
      const event = verified(ann, email);
      await orders.service.handle(event);
      const linked = await ordersOf(ann);
      expect(linked.totalCount).toBe(2);
      expect(linked.edges.map((e) => e.node.id).sort()).toEqual([first.order.id, second.order.id].sort());
      for (const e of linked.edges) expect(e.node).toMatchObject({ guest: true, email });
      expect((await orders.call(ORDER_BY_ID, { id: first.order.id }, ann)).body.data!.order).toEqual({ id: first.order.id });
      const rows = await orders.sql<{ id: string; customer_id: string; guest_customer_id: string | null }>('SELECT id, customer_id, guest_customer_id FROM orders WHERE id = ANY($1::uuid[]) ORDER BY id', [
        [first.order.id, second.order.id, stranger.order.id],
      ]);
      expect(Object.fromEntries(rows.map((r) => [r.id, [r.customer_id, r.guest_customer_id]]))).toEqual({
        [first.order.id]: [ann.id, guestId],
        [second.order.id]: [ann.id, guestId],
        [stranger.order.id]: [stranger.order.customer.id, null],
      });
      // The token still reads its order (now the account's).
      expect((await orders.call(BY_TOKEN, { t: first.orderToken }, null)).body.data!.orderByToken).toEqual({ id: first.order.id, customer: { id: ann.id } });

      // The same event again (redelivery): processed once, nothing moves.
      await orders.service.handle(event);
      expect((await orders.sql('SELECT count(*)::int AS n FROM inbox WHERE event_id = $1', [event.id]))[0].n).toBe(1);
      expect((await ordersOf(ann)).totalCount).toBe(2);

      // A replay of a linked guest order's request is still that order; a new guest order with the email is the account's at once.
      const key = randomUUID();
      const third = await guestOrder(email, p, key);
      expect(third.order.customer.id).toBe(ann.id);
      expect((await guestOrder(email, p, key)).order.id).toBe(third.order.id);
      expect((await ordersOf(ann)).totalCount).toBe(3);
    });

    it('a verification before any guest order links the orders that come later; a later verification by another account takes over the address, an older one does not', async () => {
      const email = `bo.${tag}@example.com`;
      const p = await orders.givenProduct();
      const bo = customer();
      await orders.service.handle(verified(bo, email, new Date(Date.now() - 60_000)));
      const later = await guestOrder(email, p);
      expect(later.order.customer.id).toBe(bo.id);

      // The address moved to another account, which verified it: new guest orders are its own; bo keeps what was linked to it.
      const cy = customer();
      await orders.service.handle(verified(cy, email));
      const next = await guestOrder(email, p);
      expect(next.order.customer.id).toBe(cy.id);
      // bo's verification delivered again late (an older event, another id): the address stays cy's.
      await orders.service.handle(verified(bo, email, new Date(Date.now() - 30_000)));
      expect((await guestOrder(email, p)).order.customer.id).toBe(cy.id);
      expect((await ordersOf(bo)).edges.map((e) => e.node.id)).toEqual([later.order.id]);
      expect((await ordersOf(cy)).totalCount).toBe(2);
    });

    it('guest orders placed while the verification is handled all end up the account\'s', async () => {
      const email = `race.${tag}@example.com`;
      const p = await orders.givenProduct();
      await guestOrder(email, p);
      const dee = customer();
      const [placed] = await Promise.all([Promise.all(Array.from({ length: 8 }, () => guestOrder(email, p))), orders.service.handle(verified(dee, email))]);
      const ids = [...placed.map((x) => x.order.id)];
      const owners = await orders.sql<{ customer_id: string }>('SELECT DISTINCT customer_id FROM orders WHERE id = ANY($1::uuid[])', [ids]);
      expect(owners).toEqual([{ customer_id: dee.id }]);
      expect((await ordersOf(dee)).totalCount).toBe(9);
    });
  });
});
