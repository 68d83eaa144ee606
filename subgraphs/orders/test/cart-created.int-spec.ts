import { eventually } from '@shopgraph/testkit';
import type { EventEnvelope } from '@shopgraph/events';
import { customer, startOrdersSubgraph, tapEvents, type EventTap, type TestOrdersSubgraph } from './fixtures/orders-subgraph';

// CartCreated (orders.v1, for analytics' checkout funnel): announced through the outbox exactly
// when a write turns an empty cart into one with a line — once per cart, however many writes race.

const ADD = `mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { errors { code } } }`;
const UPDATE = `mutation ($p: ID!, $q: Int!) { updateCartItem(productId: $p, quantity: $q) { errors { code } } }`;
const CLEAR = `mutation { clearCart { errors { code } } }`;

describe('CartCreated', () => {
  let orders: TestOrdersSubgraph;
  let tap: EventTap;

  beforeAll(async () => {
    orders = await startOrdersSubgraph();
    tap = await tapEvents();
  });
  afterAll(async () => {
    await tap?.stop();
    await orders?.stop();
  });

  const announced = async (customerId: string) =>
    (await orders.sql<{ envelope: EventEnvelope<'CartCreated'> }>(`SELECT envelope FROM outbox WHERE envelope->>'type' = 'CartCreated' AND key = $1 ORDER BY seq`, [customerId])).map((r) => r.envelope);

  it('is written once per cart: on the first line, not on later ones, again after the cart was emptied', async () => {
    const me = customer();
    const [lamp, desk] = [await orders.givenProduct(), await orders.givenProduct()];
    const before = Date.now();
    expect((await orders.call(ADD, { p: lamp, q: 1 }, me)).body.data!.addToCart.errors).toEqual([]);
    await orders.call(ADD, { p: lamp, q: 2 }, me);
    await orders.call(ADD, { p: desk, q: 1 }, me);
    await orders.call(UPDATE, { p: desk, q: 3 }, me);
    let events = await announced(me.id);
    expect(events.map((e) => [e.aggregateId, e.payload.customerId, e.payload.productId])).toEqual([[me.id, me.id, lamp]]);
    expect(Date.parse(events[0].payload.at)).toBeGreaterThanOrEqual(before - 1000);

    await orders.call(CLEAR, {}, me);
    // An update that puts a line into an empty cart creates one too.
    await orders.call(UPDATE, { p: desk, q: 2 }, me);
    events = await announced(me.id);
    expect(events.map((e) => e.payload.productId)).toEqual([lamp, desk]);
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
  });

  it('is written once when many first adds race on the same empty cart', async () => {
    const me = customer();
    const productId = await orders.givenProduct();
    const answers = await Promise.all(Array.from({ length: 12 }, () => orders.call(ADD, { p: productId, q: 1 }, me)));
    expect(answers.every((a) => a.body.data?.addToCart.errors.length === 0)).toBe(true);
    expect(await announced(me.id)).toHaveLength(1);
  });

  it('reaches orders.v1 through the relay, keyed by the customer', async () => {
    const me = customer();
    const productId = await orders.givenProduct();
    await orders.call(ADD, { p: productId, q: 1 }, me);
    const published = await eventually(async () => tap.events.find((e) => e.type === 'CartCreated' && e.aggregateId === me.id), 15_000);
    expect(published.payload).toMatchObject({ customerId: me.id, productId });
    expect(published.id).toBe((await announced(me.id))[0].id);
  });
});
