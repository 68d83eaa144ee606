import { randomUUID } from 'node:crypto';
import type { Consumer, Producer } from 'kafkajs';
import {
  createEvent,
  createKafka,
  createProducer,
  ensureTopics,
  parseEvent,
  publish,
  topicsIn,
  type EventEnvelope,
  type PayloadOf,
} from '@shopgraph/events';
import { demoShippingMethods } from '@shopgraph/demo-data';
import { createLogger, type Viewer } from '@shopgraph/kit';
import {
  createTestDatabase,
  eventually,
  gql,
  internalHeaders,
  CONTENDED_DEADLINES_ENV, namespaceEnv,
  stackEnv,
  testGroupId,
  testNamespace,
  TEST_INTERNAL_PUBLIC_KEYS,
  type GraphQLResponse,
} from '@shopgraph/testkit';
import { MANUAL_CARRIER } from '../src/events/orders.handler';
import { createShippingService, loadShippingConfig, seedShipping, type ShippingService } from '../src/server';

// The shipping subgraph on the real stack (PostgreSQL, Kafka): shipping methods through its
// GraphQL API with the seed's demo data, every change on this file's shipping.v1 (read back from
// Kafka, published by the outbox relay); orders.v1 OrderStatusChanged events published to this
// file's topic build the replica that shipments are checked against.

jest.setTimeout(180_000);

const ns = testNamespace();
const topics = topicsIn(ns);
const admin: Viewer = { id: randomUUID(), role: 'ADMIN' };
const customer: Viewer = { id: randomUUID(), role: 'CUSTOMER' };
const log = createLogger('shipping-test', 'silent');

let service: ShippingService;
let url: string;
let producer: Producer;
let tap: Consumer;
let dropDb: () => Promise<void>;
const seen: EventEnvelope[] = [];

const call = async (query: string, variables: Record<string, unknown> = {}, viewer: Viewer | null = admin): Promise<GraphQLResponse> =>
  gql(url, query, variables, await internalHeaders('shipping', viewer));

const METHOD =
  'id name carrier description countries price { amount currency } freeOver { amount currency } minDeliveryDays maxDeliveryDays active';
const CREATE = `mutation ($input: ShippingMethodInput!) { createShippingMethod(input: $input) { shippingMethod { ${METHOD} } errors { code message field } } }`;
const UPDATE = `mutation ($id: ID!, $input: ShippingMethodInput!) { updateShippingMethod(id: $id, input: $input) { shippingMethod { ${METHOD} } errors { code message field } } }`;
const ARCHIVE = `mutation ($id: ID!) { archiveShippingMethod(id: $id) { shippingMethod { ${METHOD} } errors { code message field } } }`;
const LIST = `query ($all: Boolean) { shippingMethods(includeInactive: $all) { ${METHOD} } }`;
const SHIPMENT = 'id order { id } lines { product { id } quantity } carrier trackingNumber trackingUrl status shippedAt deliveredAt';
const CREATE_SHIPMENT = `mutation ($input: CreateShipmentInput!) { createShipment(input: $input) { shipment { ${SHIPMENT} } errors { code message field } } }`;
const MOVE = `mutation ($id: ID!, $status: ShipmentStatus!) { updateShipmentStatus(id: $id, status: $status) { shipment { ${SHIPMENT} } errors { code message field } } }`;
const ORDER_SHIPMENTS = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id shipments { ${SHIPMENT} } } } }`;

const eventsOf = <T extends EventEnvelope['type']>(type: T, pick: (e: EventEnvelope<T>) => boolean = () => true) =>
  seen
    .filter((e) => e.type === type)
    .map((e) => e as EventEnvelope<T>)
    .filter(pick);

/** Publishes an order's status change as orders would (version = its position in the order's history). */
const orderVersion = new Map<string, number>();
function statusChanged(
  orderId: string,
  status: PayloadOf<'OrderStatusChanged'>['status'],
  items: PayloadOf<'OrderStatusChanged'>['items'],
  previousStatus: PayloadOf<'OrderStatusChanged'>['status'] | null = null,
) {
  const version = (orderVersion.get(orderId) ?? 0) + 1;
  orderVersion.set(orderId, version);
  return createEvent(
    'OrderStatusChanged',
    orderId,
    {
      orderId,
      customerId: customer.id,
      status,
      previousStatus,
      reason: status === 'CANCELLED' ? 'CUSTOMER_REQUEST' : null,
      version,
      at: new Date().toISOString(),
      items,
    },
    { source: 'orders' },
  );
}
const replicaStatus = async (orderId: string) => {
  const [row] = await service.dataSource.query('SELECT status FROM order_replica WHERE order_id = $1', [orderId]);
  return row?.status as string | undefined;
};

beforeAll(async () => {
  const db = await createTestDatabase('shipping');
  dropDb = db.drop;
  const kafka = createKafka(stackEnv.kafkaBrokers, 'shipping-test', log);
  await ensureTopics(kafka, [topics.orders, topics.shipping]);
  producer = await createProducer(kafka);
  tap = kafka.consumer({ groupId: testGroupId('shipping-tap') });
  await tap.connect();
  await tap.subscribe({ topic: topics.shipping, fromBeginning: true });
  await tap.run({ eachMessage: async ({ message }) => void seen.push(parseEvent(message.value)!) });
  const config = loadShippingConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ...namespaceEnv(),
    ...CONTENDED_DEADLINES_ENV,
    PORT: '0',
    DATABASE_URL: db.url,
    KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
    KAFKA_GROUP_ID: testGroupId('shipping'),
    INTERNAL_TOKEN_PUBLIC_KEYS: TEST_INTERNAL_PUBLIC_KEYS,
  });
  service = await createShippingService(config);
  const started = await service.start();
  url = `${started.url.replace(/\/graphql$/, '')}/graphql`;
});

afterAll(async () => {
  await service?.stop();
  await tap?.disconnect();
  await producer?.disconnect();
  await dropDb?.().catch(() => undefined);
});

describe('shipping methods', () => {
  it('seeds Standard and Express for US, CA, DE, FR, GB once, announces them on shipping.v1, and lists them to anyone, cheapest first', async () => {
    expect(await seedShipping(service.dataSource)).toEqual({ created: 2, existing: 0 });
    expect(await seedShipping(service.dataSource)).toEqual({ created: 0, existing: 2 });
    const res = await call(LIST, {}, null);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.shippingMethods).toEqual([
      {
        id: demoShippingMethods[0].id,
        name: 'Standard',
        carrier: 'Shopgraph Post',
        description: demoShippingMethods[0].description,
        countries: ['US', 'CA', 'DE', 'FR', 'GB'],
        price: { amount: 499, currency: 'USD' },
        freeOver: { amount: 5000, currency: 'USD' },
        minDeliveryDays: 3,
        maxDeliveryDays: 5,
        active: true,
      },
      expect.objectContaining({
        id: demoShippingMethods[1].id,
        name: 'Express',
        price: { amount: 1499, currency: 'USD' },
        freeOver: null,
        minDeliveryDays: 1,
        maxDeliveryDays: 2,
      }),
    ]);
    const announced = await eventually(
      async () => {
        const events = eventsOf('ShippingMethodChanged', (e) => demoShippingMethods.some((m) => m.id === e.payload.methodId));
        return events.length === 2 ? events : undefined;
      },
      30_000,
      100,
    );
    const standard = announced.find((e) => e.payload.methodId === demoShippingMethods[0].id)!;
    expect(standard.aggregateId).toBe(standard.payload.methodId);
    expect(standard.payload).toEqual({
      methodId: demoShippingMethods[0].id,
      revision: 1,
      name: 'Standard',
      carrier: 'Shopgraph Post',
      description: demoShippingMethods[0].description,
      countries: ['US', 'CA', 'DE', 'FR', 'GB'],
      price: { amount: 499, currency: 'USD' },
      freeOver: { amount: 5000, currency: 'USD' },
      minDeliveryDays: 3,
      maxDeliveryDays: 5,
      active: true,
    });
  });

  it('refuses bad input with INVALID_INPUT naming each field, and non-admins with FORBIDDEN / UNAUTHENTICATED', async () => {
    const bad = await call(CREATE, {
      input: {
        name: '  ',
        countries: ['us', 'USA', '1'],
        price: -1,
        freeOver: 0,
        currency: 'dollars',
        minDeliveryDays: 5,
        maxDeliveryDays: 2,
      },
    });
    expect(bad.body.errors).toBeUndefined();
    const { shippingMethod, errors } = bad.body.data!.createShippingMethod;
    expect(shippingMethod).toBeNull();
    expect(errors.every((e: { code: string }) => e.code === 'INVALID_INPUT')).toBe(true);
    expect(errors.map((e: { field: string[] }) => e.field.join('.')).sort()).toEqual(
      [
        'input.countries',
        'input.countries',
        'input.currency',
        'input.freeOver',
        'input.minDeliveryDays',
        'input.name',
        'input.price',
      ].sort(),
    );
    const none = await call(CREATE, { input: { name: 'Nowhere', countries: [], price: 100 } });
    expect(none.body.data!.createShippingMethod.errors).toEqual([
      { code: 'INVALID_INPUT', message: 'countries must name at least one country', field: ['input', 'countries'] },
    ]);

    const asCustomer = await call(CREATE, { input: { name: 'Sneaky', countries: ['US'], price: 0 } }, customer);
    expect(asCustomer.body.errors![0].extensions?.code).toBe('FORBIDDEN');
    const anonymous = await call(ARCHIVE, { id: demoShippingMethods[0].id }, null);
    expect(anonymous.body.errors![0].extensions?.code).toBe('UNAUTHENTICATED');
    const inactiveAsCustomer = await call(LIST, { all: true }, customer);
    expect(inactiveAsCustomer.body.errors![0].extensions?.code).toBe('FORBIDDEN');
    expect(inactiveAsCustomer.text).not.toMatch(/at .*\.ts:\d+/);
    const count = await service.dataSource.query('SELECT count(*)::int AS n FROM shipping_method');
    expect(count[0].n).toBe(2);
  });

  it('creates, replaces and archives a method, each change one ShippingMethodChanged with the full method and the next revision', async () => {
    const created = await call(CREATE, {
      input: {
        name: ' Economy ',
        carrier: 'Slow Boat',
        countries: ['de', 'FR', 'de'],
        price: 299,
        currency: 'eur',
        freeOver: 3000,
        minDeliveryDays: 5,
        maxDeliveryDays: 10,
      },
    });
    const method = created.body.data!.createShippingMethod.shippingMethod;
    expect(created.body.data!.createShippingMethod.errors).toEqual([]);
    expect(method).toMatchObject({
      name: 'Economy',
      countries: ['DE', 'FR'],
      price: { amount: 299, currency: 'EUR' },
      freeOver: { amount: 3000, currency: 'EUR' },
      active: true,
    });

    const updated = await call(UPDATE, {
      id: method.id,
      input: { name: 'Economy', countries: ['DE', 'FR', 'GB'], price: 399, currency: 'EUR', minDeliveryDays: 4, maxDeliveryDays: 8 },
    });
    expect(updated.body.data!.updateShippingMethod.shippingMethod).toMatchObject({
      countries: ['DE', 'FR', 'GB'],
      price: { amount: 399 },
      freeOver: null,
      carrier: null,
      minDeliveryDays: 4,
    });

    const archived = await call(ARCHIVE, { id: method.id });
    expect(archived.body.data!.archiveShippingMethod.shippingMethod).toMatchObject({ id: method.id, active: false });
    // Archiving again changes nothing (no event); replacing an archived method is a CONFLICT; an unknown id NOT_FOUND.
    expect((await call(ARCHIVE, { id: method.id })).body.data!.archiveShippingMethod).toMatchObject({
      shippingMethod: { active: false },
      errors: [],
    });
    expect(
      (await call(UPDATE, { id: method.id, input: { name: 'Economy', countries: ['DE'], price: 1 } })).body.data!.updateShippingMethod
        .errors[0].code,
    ).toBe('CONFLICT');
    expect(
      (await call(UPDATE, { id: randomUUID(), input: { name: 'X', countries: ['DE'], price: 1 } })).body.data!.updateShippingMethod
        .errors[0].code,
    ).toBe('NOT_FOUND');
    expect((await call(ARCHIVE, { id: 'not-a-uuid' })).body.data!.archiveShippingMethod.errors[0].code).toBe('NOT_FOUND');

    // Gone from the public list, still there for admins (and as an entity for old orders' snapshots).
    expect((await call(LIST, {}, null)).body.data!.shippingMethods.map((m: { id: string }) => m.id)).not.toContain(method.id);
    expect((await call(LIST, { all: true })).body.data!.shippingMethods.map((m: { id: string }) => m.id)).toContain(method.id);
    const entity = await call(
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on ShippingMethod { id name active } } }`,
      {
        reps: [
          { __typename: 'ShippingMethod', id: method.id },
          { __typename: 'ShippingMethod', id: randomUUID() },
        ],
      },
      null,
    );
    expect(entity.body.data!._entities).toEqual([{ id: method.id, name: 'Economy', active: false }, null]);

    const events = await eventually(
      async () => {
        const mine = eventsOf('ShippingMethodChanged', (e) => e.payload.methodId === method.id);
        return mine.length >= 3 ? mine : undefined;
      },
      30_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 1500)); // nothing more may follow (the second archive was no change)
    const mine = eventsOf('ShippingMethodChanged', (e) => e.payload.methodId === method.id);
    expect(mine.map((e) => [e.payload.revision, e.payload.active, e.payload.price.amount])).toEqual([
      [1, true, 299],
      [2, true, 399],
      [3, false, 399],
    ]);
    expect(events[1].payload).toMatchObject({
      countries: ['DE', 'FR', 'GB'],
      freeOver: null,
      carrier: null,
      minDeliveryDays: 4,
      maxDeliveryDays: 8,
    });
  });
});

describe('shipments', () => {
  const [lamp, desk, chair] = [randomUUID(), randomUUID(), randomUUID()];
  const items = [
    { productId: lamp, quantity: 2 },
    { productId: desk, quantity: 1 },
    { productId: chair, variantId: `${chair}:red`, quantity: 3 },
  ];
  const orderId = randomUUID();

  it('ships a three-line CONFIRMED order in two parcels: fully shipped only with the second, fully delivered only when both are', async () => {
    await publish(producer, [statusChanged(orderId, 'PENDING', items), statusChanged(orderId, 'AWAITING_PAYMENT', items, 'PENDING')], ns);
    await eventually(async () => ((await replicaStatus(orderId)) === 'AWAITING_PAYMENT' ? true : undefined), 30_000, 100);
    const early = await call(CREATE_SHIPMENT, { input: { orderId, carrier: 'UPS' } });
    expect(early.body.data!.createShipment.errors[0]).toMatchObject({ code: 'CONFLICT', field: ['input', 'orderId'] });
    expect(
      (await call(CREATE_SHIPMENT, { input: { orderId: randomUUID(), carrier: 'UPS' } })).body.data!.createShipment.errors[0].code,
    ).toBe('NOT_FOUND');

    await publish(producer, [statusChanged(orderId, 'CONFIRMED', items, 'AWAITING_PAYMENT')], ns);
    await eventually(async () => ((await replicaStatus(orderId)) === 'CONFIRMED' ? true : undefined), 30_000, 100);

    // More than was ordered, an unknown product, a bad URL: refused, nothing written.
    const tooMany = await call(CREATE_SHIPMENT, {
      input: {
        orderId,
        carrier: 'UPS',
        lines: [
          { productId: lamp, quantity: 1 },
          { productId: lamp, quantity: 2 },
        ],
      },
    });
    expect(tooMany.body.data!.createShipment.errors[0]).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'lines', '1'] });
    expect(tooMany.body.data!.createShipment.errors[0].message).toMatch(/Only 2 .* remain to ship \(asked for 3\)/);
    expect(
      (await call(CREATE_SHIPMENT, { input: { orderId, carrier: 'UPS', lines: [{ productId: randomUUID(), quantity: 1 }] } })).body.data!
        .createShipment.errors[0].code,
    ).toBe('INVALID_INPUT');
    expect(
      (await call(CREATE_SHIPMENT, { input: { orderId, carrier: 'UPS', trackingUrl: 'javascript:alert(1)' } })).body.data!.createShipment
        .errors[0],
    ).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'trackingUrl'] });
    expect((await call(CREATE_SHIPMENT, { input: { orderId, carrier: 'UPS' } }, customer)).body.errors![0].extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((await service.dataSource.query('SELECT count(*)::int AS n FROM shipment'))[0].n).toBe(0);

    const first = await call(CREATE_SHIPMENT, {
      input: {
        orderId,
        carrier: 'UPS',
        trackingNumber: '1Z999',
        trackingUrl: 'https://ups.example/track/1Z999',
        lines: [
          { productId: lamp, quantity: 2 },
          { productId: chair, quantity: 1 },
        ],
      },
    });
    expect(first.body.data!.createShipment.errors).toEqual([]);
    const parcel1 = first.body.data!.createShipment.shipment;
    expect(parcel1).toMatchObject({
      order: { id: orderId },
      carrier: 'UPS',
      trackingNumber: '1Z999',
      status: 'SHIPPED',
      deliveredAt: null,
    });
    expect(parcel1.lines).toEqual(
      expect.arrayContaining([
        { product: { id: lamp }, quantity: 2 },
        { product: { id: chair }, quantity: 1 },
      ]),
    );

    // Lines omitted: everything not yet shipped (the desk and two chairs).
    const second = await call(CREATE_SHIPMENT, { input: { orderId, carrier: 'DHL' } });
    const parcel2 = second.body.data!.createShipment.shipment;
    expect(parcel2.lines).toEqual(
      expect.arrayContaining([
        { product: { id: desk }, quantity: 1 },
        { product: { id: chair }, quantity: 2 },
      ]),
    );
    expect(parcel2.lines).toHaveLength(2);
    const third = await call(CREATE_SHIPMENT, { input: { orderId, carrier: 'DHL' } });
    expect(third.body.data!.createShipment.errors[0]).toMatchObject({
      code: 'CONFLICT',
      message: 'Every line of this order has already shipped',
    });

    const created = await eventually(
      async () => {
        const events = eventsOf('ShipmentCreated', (e) => e.payload.orderId === orderId);
        return events.length === 2 ? events : undefined;
      },
      30_000,
      100,
    );
    const byId = new Map(created.map((e) => [e.payload.shipmentId, e]));
    expect(byId.get(parcel1.id)!.payload).toMatchObject({
      orderFullyShipped: false,
      orderFullyDelivered: false,
      status: 'SHIPPED',
      carrier: 'UPS',
      trackingNumber: '1Z999',
    });
    expect(byId.get(parcel1.id)!.payload.lines).toEqual(
      expect.arrayContaining([
        { productId: lamp, quantity: 2 },
        { productId: chair, variantId: `${chair}:red`, quantity: 1 },
      ]),
    );
    expect(byId.get(parcel2.id)!.payload).toMatchObject({ orderFullyShipped: true, orderFullyDelivered: false });
    expect(created.every((e) => e.aggregateId === orderId)).toBe(true);

    // Delivery: the first parcel alone does not deliver the order; the second (through transit) does.
    const d1 = await call(MOVE, { id: parcel1.id, status: 'DELIVERED' });
    expect(d1.body.data!.updateShipmentStatus.shipment).toMatchObject({ status: 'DELIVERED', deliveredAt: expect.any(String) });
    await call(MOVE, { id: parcel2.id, status: 'IN_TRANSIT' });
    const back = await call(MOVE, { id: parcel1.id, status: 'IN_TRANSIT' });
    expect(back.body.data!.updateShipmentStatus.errors[0]).toMatchObject({
      code: 'CONFLICT',
      message: 'A shipment that is DELIVERED cannot become IN_TRANSIT',
    });
    expect((await call(MOVE, { id: randomUUID(), status: 'DELIVERED' })).body.data!.updateShipmentStatus.errors[0].code).toBe('NOT_FOUND');
    await call(MOVE, { id: parcel2.id, status: 'DELIVERED' });
    const again = await call(MOVE, { id: parcel2.id, status: 'DELIVERED' });
    expect(again.body.data!.updateShipmentStatus).toMatchObject({ errors: [], shipment: { status: 'DELIVERED' } });

    const moves = await eventually(
      async () => {
        const events = eventsOf('ShipmentStatusChanged', (e) => e.payload.orderId === orderId);
        return events.length >= 3 ? events : undefined;
      },
      30_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 1500)); // the repeated DELIVERED was no change: no fourth event
    expect(
      eventsOf('ShipmentStatusChanged', (e) => e.payload.orderId === orderId).map((e) => [
        e.payload.shipmentId,
        e.payload.previousStatus,
        e.payload.status,
        e.payload.orderFullyDelivered,
      ]),
    ).toEqual([
      [parcel1.id, 'SHIPPED', 'DELIVERED', false],
      [parcel2.id, 'SHIPPED', 'IN_TRANSIT', false],
      [parcel2.id, 'IN_TRANSIT', 'DELIVERED', true],
    ]);
    expect(moves[0].payload.orderFullyShipped).toBe(true);

    const shipments = await call(
      ORDER_SHIPMENTS,
      {
        reps: [
          { __typename: 'Order', id: orderId },
          { __typename: 'Order', id: randomUUID() },
        ],
      },
      customer,
    );
    expect(shipments.body.data!._entities[0].shipments.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
      [parcel1.id, 'DELIVERED'],
      [parcel2.id, 'DELIVERED'],
    ]);
    expect(shipments.body.data!._entities[1]).toEqual({ id: expect.any(String), shipments: [] });
  });

  it('applies a redelivered or older orders.v1 event once and never moves the replica back', async () => {
    const inbox = async () => Number((await service.dataSource.query('SELECT count(*)::int AS n FROM inbox'))[0].n);
    const before = await inbox();
    const stale = createEvent(
      'OrderStatusChanged',
      orderId,
      {
        orderId,
        customerId: customer.id,
        status: 'PENDING',
        previousStatus: null,
        reason: null,
        version: 1,
        at: new Date().toISOString(),
        items,
      },
      { source: 'orders' },
    );
    await service.handle(stale);
    await service.handle(stale);
    expect(await replicaStatus(orderId)).toBe('CONFIRMED');
    expect(await inbox()).toBe(before + 1);
  });

  it('never ships a unit twice when admins race for the same line', async () => {
    const raceOrder = randomUUID();
    const line = { productId: randomUUID(), quantity: 3 };
    await publish(producer, [statusChanged(raceOrder, 'CONFIRMED', [line])], ns);
    await eventually(async () => ((await replicaStatus(raceOrder)) === 'CONFIRMED' ? true : undefined), 30_000, 100);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(CREATE_SHIPMENT, {
          input: { orderId: raceOrder, carrier: `Courier ${i}`, lines: [{ productId: line.productId, quantity: 1 }] },
        }),
      ),
    );
    const ok = results.filter((r) => r.body.data?.createShipment.shipment);
    expect(ok).toHaveLength(3);
    expect(results.filter((r) => r.body.data?.createShipment.errors[0]?.code === 'INVALID_INPUT')).toHaveLength(5);
    const [{ n }] = await service.dataSource.query(
      'SELECT coalesce(sum(l.quantity), 0)::int AS n FROM shipment_line l JOIN shipment s ON s.id = l.shipment_id WHERE s.order_id = $1',
      [raceOrder],
    );
    expect(n).toBe(3);
  });

  it('refuses a cancelled order, and gives an order marked SHIPPED / DELIVERED by hand one whole-order shipment that follows it', async () => {
    const cancelled = randomUUID();
    await publish(producer, [statusChanged(cancelled, 'CONFIRMED', items), statusChanged(cancelled, 'CANCELLED', items, 'CONFIRMED')], ns);
    await eventually(async () => ((await replicaStatus(cancelled)) === 'CANCELLED' ? true : undefined), 30_000, 100);
    const refused = await call(CREATE_SHIPMENT, { input: { orderId: cancelled, carrier: 'UPS' } });
    expect(refused.body.data!.createShipment.errors[0]).toMatchObject({
      code: 'CONFLICT',
      message: 'Only a CONFIRMED order can ship; this one is CANCELLED',
    });

    const manual = randomUUID();
    await publish(producer, [statusChanged(manual, 'CONFIRMED', items)], ns);
    await eventually(async () => ((await replicaStatus(manual)) === 'CONFIRMED' ? true : undefined), 30_000, 100);
    // One parcel by the API, then the admin marks the whole order shipped: the rest leaves as one parcel.
    await call(CREATE_SHIPMENT, { input: { orderId: manual, carrier: 'UPS', lines: [{ productId: desk, quantity: 1 }] } });
    await publish(producer, [statusChanged(manual, 'SHIPPED', items, 'CONFIRMED')], ns);
    const list = async () =>
      (await call(ORDER_SHIPMENTS, { reps: [{ __typename: 'Order', id: manual }] })).body.data!._entities[0].shipments as {
        carrier: string;
        status: string;
        lines: { quantity: number }[];
      }[];
    const two = await eventually(
      async () => {
        const s = await list();
        return s.length === 2 ? s : undefined;
      },
      30_000,
      100,
    );
    expect(two[1]).toMatchObject({ carrier: MANUAL_CARRIER, status: 'SHIPPED' });
    expect(two[1].lines.reduce((sum, l) => sum + l.quantity, 0)).toBe(5);
    await publish(producer, [statusChanged(manual, 'DELIVERED', items, 'SHIPPED')], ns);
    await eventually(async () => ((await list()).every((s) => s.status === 'DELIVERED') ? true : undefined), 30_000, 100);
    const last = await eventually(
      async () => eventsOf('ShipmentStatusChanged', (e) => e.payload.orderId === manual && e.payload.orderFullyDelivered).at(-1),
      30_000,
      100,
    );
    expect(last.payload.orderFullyShipped).toBe(true);
  });
});
