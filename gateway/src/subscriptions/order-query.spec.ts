import { buildSchema, getOperationAST, isObjectType, Kind, parse, print, printSchema, validate, type FragmentDefinitionNode, type FieldNode } from 'graphql';
import { buildOrderQuery, projectEvent, type StatusChange, type SubscriberSelection } from './order-query';

const schema = buildSchema(`
  scalar DateTime
  enum OrderStatus { PENDING AWAITING_PAYMENT CONFIRMED CANCELLED }
  type Money { amount: Int! currency: String! }
  type User { id: ID! name: String! }
  interface Node { id: ID! }
  type Product implements Node { id: ID! name: String! }
  type Payment { id: ID! status: String! }
  type OrderItem { product: Product quantity: Int! }
  type OrderStatusChange { status: OrderStatus! reason: String at: DateTime! }
  type Order {
    id: ID! number: String! status: OrderStatus! version: Int! customer: User!
    items: [OrderItem!]! total: Money! payment: Payment history: [OrderStatusChange!]!
    related: Node
  }
  type OrderStatusEvent { order: Order! status: OrderStatus! previousStatus: OrderStatus reason: String version: Int! at: DateTime! }
  type Query { order(id: ID!): Order orderByToken(token: String!): Order }
  type Subscription { orderStatusChanged(orderId: ID!, orderToken: String): OrderStatusEvent! myOrderUpdates: OrderStatusEvent! }
`);

/** What the resolver would get for `source` (the first root field). */
function subscriberOf(source: string, variableValues: Record<string, unknown> = {}): SubscriberSelection & { responseKey: string } {
  const document = parse(source);
  expect(validate(schema, document)).toEqual([]);
  const operation = getOperationAST(document)!;
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const root = operation.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD)!;
  return { schema, fieldNodes: [root], fragments, operation, variableValues, responseKey: root.alias?.value ?? root.name.value };
}

const normalize = (query: string) => print(parse(query));

describe('buildOrderQuery', () => {
  it('keeps only the order selection, with its aliases, under order(id: $orderId)', () => {
    const sub = subscriberOf('subscription { orderStatusChanged(orderId: "o1") { status version o: order { ref: number items { qty: quantity product { name } } } } }');
    const query = buildOrderQuery(sub);
    expect(query.selection).toBe(
      normalize('query OrderSubscriptionSelection($orderId: ID!) { o: order(id: $orderId) { ref: number items { qty: quantity product { name } } } }'),
    );
    expect(query.variables('o-42')).toEqual({ orderId: 'o-42' });
    expect(validate(schema, parse(query.selection!))).toEqual([]);
  });

  it('reads a guest\'s order by its token (orderByToken) under the subscriber\'s response keys', () => {
    const sub = subscriberOf('subscription($t: String) { orderStatusChanged(orderId: "o1", orderToken: $t) { status order { number } o: order { id } } }', { t: 'tok' });
    const query = buildOrderQuery(sub, { byToken: true });
    expect(query.selection).toBe(
      normalize('query OrderSubscriptionSelection($orderToken: String!) { order: orderByToken(token: $orderToken) { number } o: orderByToken(token: $orderToken) { id } }'),
    );
    expect(query.withState).toBe(
      normalize(
        'query OrderSubscriptionSelection($orderToken: String!) { order: orderByToken(token: $orderToken) { number } o: orderByToken(token: $orderToken) { id } orderState: orderByToken(token: $orderToken) { id version customer { id } history { status reason at } } }',
      ),
    );
    // The token is the query's only variable (the subscriber's $t is not used by the query).
    expect(query.variables('the-token')).toEqual({ orderToken: 'the-token' });
    expect(validate(schema, parse(query.withState))).toEqual([]);
  });

  it('adds the state (version, owner, history) under an alias that does not clash', () => {
    const sub = subscriberOf('subscription { orderStatusChanged(orderId: "o1") { orderState: order { id } } }');
    const query = buildOrderQuery(sub);
    expect(query.stateAlias).toBe('orderState2');
    expect(query.withState).toBe(
      normalize(
        'query OrderSubscriptionSelection($orderId: ID!) { orderState: order(id: $orderId) { id } orderState2: order(id: $orderId) { id version customer { id } history { status reason at } } }',
      ),
    );
    expect(validate(schema, parse(query.withState))).toEqual([]);
  });

  it('inlines fragments on OrderStatusEvent (keeping their directives) and keeps fragments on Order with the variables they use', () => {
    const sub = subscriberOf(
      `subscription Watch($id: ID!, $withPayment: Boolean!, $flag: Boolean!, $orderId: Boolean!) {
        orderStatusChanged(orderId: $id) { reason @skip(if: $flag) version @include(if: $orderId) ...EventBits ... on OrderStatusEvent @include(if: $withPayment) { order { payment { status } } } }
      }
      fragment EventBits on OrderStatusEvent { status order { ...OrderBits } }
      fragment OrderBits on Order { number customer { ...Who } }
      fragment Who on User { name }`,
      { id: 'o1', withPayment: true, flag: false, orderId: true },
    );
    const query = buildOrderQuery(sub);
    // $orderId is taken by the subscriber, so the order id goes in $orderId2; variables used outside `order` are left out.
    expect(query.selection).toBe(
      normalize(`query OrderSubscriptionSelection($orderId2: ID!, $withPayment: Boolean!) {
        ... { order(id: $orderId2) { ...OrderBits } }
        ... @include(if: $withPayment) { order(id: $orderId2) { payment { status } } }
      }
      fragment OrderBits on Order { number customer { ...Who } }
      fragment Who on User { name }`),
    );
    expect(query.variables('o1')).toEqual({ orderId2: 'o1', withPayment: true });
    expect(validate(schema, parse(query.selection!))).toEqual([]);
  });

  it('needs no query when nothing under order is selected', () => {
    const query = buildOrderQuery(subscriberOf('subscription { myOrderUpdates { status version at } }'));
    expect(query.selection).toBeNull();
    expect(validate(schema, parse(query.withState))).toEqual([]);
  });

  it('asks for __typename under abstract types', () => {
    const query = buildOrderQuery(subscriberOf('subscription { myOrderUpdates { order { related { id ... on Product { name } } } } }'));
    expect(query.selection).toBe(
      normalize('query OrderSubscriptionSelection($orderId: ID!) { order(id: $orderId) { related { id ... on Product { name } __typename } } }'),
    );
  });
});

describe('projectEvent', () => {
  const change: StatusChange = { version: 3, status: 'CONFIRMED', previousStatus: 'AWAITING_PAYMENT', reason: null, at: '2026-01-01T00:00:00.000Z' };

  it('renders the event in the subscriber\'s shape: aliases, fragments, the query\'s answer per alias', async () => {
    const sub = subscriberOf(
      `subscription($id: ID!) { watch: orderStatusChanged(orderId: $id) { __typename s: status version previousStatus ...E a: order { number } } }
       fragment E on OrderStatusEvent { order { items { product { name } } } }`,
      { id: 'o1' },
    );
    const result = await projectEvent(sub, {
      change,
      orders: { a: { number: 'SG-000001' }, order: { items: [{ product: { name: 'Kettle' } }] } },
    });
    expect(result).toEqual({
      data: {
        watch: {
          __typename: 'OrderStatusEvent',
          s: 'CONFIRMED',
          version: 3,
          previousStatus: 'AWAITING_PAYMENT',
          order: { items: [{ product: { name: 'Kettle' } }] },
          a: { number: 'SG-000001' },
        },
      },
    });
  });

  it('resolves abstract types from __typename and appends the query\'s errors under the subscription field', async () => {
    const sub = subscriberOf('subscription { myOrderUpdates { order { related { id ... on Product { name } } payment { status } } } }');
    const result = await projectEvent(sub, {
      change,
      orders: { order: { related: { id: 'p1', name: 'Kettle', __typename: 'Product' }, payment: null } },
      errors: [{ message: 'payments is down', path: ['order', 'payment'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    expect(result.data).toEqual({ myOrderUpdates: { order: { related: { id: 'p1', name: 'Kettle' }, payment: null } } });
    expect(result.errors).toEqual([{ message: 'payments is down', path: ['myOrderUpdates', 'order', 'payment'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
  });

  it('delivers what could be resolved when a subgraph is down: nullable parts null, the query\'s errors only (no repeated null errors)', async () => {
    const sub = subscriberOf('subscription { myOrderUpdates { status version order { number items { qty: quantity product { name } } payment { status } } } }');
    const unavailable = (path: (string | number)[], service: string) => ({
      message: `The ${service} service is unavailable`,
      path,
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: service },
    });
    const result = await projectEvent(sub, {
      change,
      orders: { order: { number: 'SG-000003', items: [{ qty: 2, product: null }], payment: null } },
      errors: [unavailable(['order', 'items', 0, 'product', 'name'], 'products'), unavailable(['order', 'payment'], 'payments')],
    });
    expect(result.data).toEqual({
      myOrderUpdates: { status: 'CONFIRMED', version: 3, order: { number: 'SG-000003', items: [{ qty: 2, product: null }], payment: null } },
    });
    expect(result.errors).toEqual([
      unavailable(['myOrderUpdates', 'order', 'items', 0, 'product', 'name'], 'products'),
      unavailable(['myOrderUpdates', 'order', 'payment'], 'payments'),
    ]);

    // The order itself could not be read (orders down): the event still arrives, as a result with the reason.
    const whole = await projectEvent(sub, { change, orders: { order: null }, errors: [unavailable(['order'], 'orders')] });
    expect(whole.data).toBeNull();
    expect(whole.errors).toEqual([unavailable(['myOrderUpdates', 'order'], 'orders')]);
  });

  it('ignores resolvers that Apollo Server wraps into the API schema in place', async () => {
    const wrapped = buildSchema(printSchema(schema));
    for (const type of Object.values(wrapped.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) field.resolve = () => 'instrumented';
    }
    const sub = { ...subscriberOf('subscription { myOrderUpdates { status o: order { number } } }'), schema: wrapped };
    const result = await projectEvent(sub, { change, orders: { o: { number: 'SG-000002' } } });
    expect(result).toEqual({ data: { myOrderUpdates: { status: 'CONFIRMED', o: { number: 'SG-000002' } } } });
  });
});
