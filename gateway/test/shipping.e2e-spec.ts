import { randomUUID } from 'node:crypto';
import { gql, uniqueId, type GraphQLResponse } from '@shopgraph/testkit';
import { startShop, waitUntilOrderable, type Shop } from './fixtures/shop';
import { addShipping } from './fixtures/shipping';

// Shipping end to end: the whole shop on the real stack (saga on), the shipping subgraph seeded
// with the demo methods, and a gateway routing to it. The methods reach clients through the
// gateway and orders' checkout through shipping.v1 (orders' replica, no call from orders to
// shipping); an order confirmed by the saga reaches shipping through orders.v1 and ships in two
// parcels that its owner reads on the order.

jest.setTimeout(300_000);

let shop: Shop;
let gatewayUrl: string;
let admin: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  shop = await startShop({ saga: true });
  const withShipping = await addShipping(shop, 'shipping');
  cleanups.unshift(withShipping.stop);
  gatewayUrl = withShipping.gatewayUrl;
  admin = await shop.login('admin@shopgraph.local', 'Admin123!shop');
}, 300_000);

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await shop?.stop();
});

const call = (query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphQLResponse> =>
  gql(gatewayUrl, query, variables, token ? { authorization: `Bearer ${token}` } : {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ok(res: GraphQLResponse, what: string): Record<string, any> {
  if (res.body.errors || !res.body.data) throw new Error(`${what} failed: ${res.text.slice(0, 800)}`);
  return res.body.data;
}

async function newProduct(price: number): Promise<string> {
  const sku = uniqueId('SH').toUpperCase();
  const created = ok(
    await call(
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } errors { code message } } }',
      {
        input: {
          sku,
          name: `Shipping test ${sku}`,
          description: 'A product of the shipping test',
          categorySlug: 'books',
          price,
          initialStock: 50,
        },
      },
      admin,
    ),
    'createProduct',
  ).createProduct;
  if (created.errors.length > 0) throw new Error(`createProduct: ${JSON.stringify(created.errors)}`);
  await waitUntilOrderable(shop, admin, created.product.id);
  return created.product.id;
}

const address = (country: string) => ({ recipient: 'Sam Shipper', line1: '1 Test Street', city: 'Anytown', postalCode: '12345', country });

describe('shipping through the gateway', () => {
  let buyer: string;
  let lamp: string;
  let desk: string;

  it('lists the seeded methods to anyone and lets only an ADMIN change them', async () => {
    const list = ok(
      await call('{ shippingMethods { name countries price { amount currency } freeOver { amount } minDeliveryDays maxDeliveryDays } }'),
      'shippingMethods',
    );
    expect(list.shippingMethods).toEqual([
      {
        name: 'Standard',
        countries: ['US', 'CA', 'DE', 'FR', 'GB'],
        price: { amount: 499, currency: 'USD' },
        freeOver: { amount: 5000 },
        minDeliveryDays: 3,
        maxDeliveryDays: 5,
      },
      {
        name: 'Express',
        countries: ['US', 'CA', 'DE', 'FR', 'GB'],
        price: { amount: 1499, currency: 'USD' },
        freeOver: null,
        minDeliveryDays: 1,
        maxDeliveryDays: 2,
      },
    ]);
    buyer = ok(
      await call('mutation($i: RegisterInput!) { register(input: $i) { accessToken errors { code } } }', {
        i: { email: `${uniqueId('shipping')}@example.com`, password: 'Buyer123!secret', name: 'Sam Shipper' },
      }),
      'register',
    ).register.accessToken;
    const refused = await call(
      'mutation { createShippingMethod(input: { name: "Mine", countries: ["US"], price: 0 }) { errors { code } } }',
      {},
      buyer,
    );
    expect(refused.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it("feeds orders' checkout over shipping.v1: the preview offers the methods for a served country and SHIPPING_UNAVAILABLE elsewhere", async () => {
    lamp = await newProduct(2000);
    desk = await newProduct(500);
    const cart = ok(
      await call('mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { errors { code } } }', { p: lamp, q: 1 }, buyer),
      'addToCart',
    );
    expect(cart.addToCart.errors).toEqual([]);
    const PREVIEW =
      'query($input: CheckoutPreviewInput!) { checkoutPreview(input: $input) { shippingOptions { method { id name } price { amount } } shipping { method { name } price { amount } } errors { code } } }';
    // orders learns the methods from shipping.v1 (its replica); wait until it has both.
    const deadline = Date.now() + 60_000;
    let preview: Record<string, any>;
    for (;;) {
      preview = ok(await call(PREVIEW, { input: { shippingAddress: address('US') } }, buyer), 'checkoutPreview').checkoutPreview;
      if (preview.shippingOptions.length === 2) break;
      if (Date.now() > deadline) throw new Error(`orders never offered both methods: ${JSON.stringify(preview)}`);
      await sleep(200);
    }
    expect(preview.shippingOptions.map((o: any) => [o.method.name, o.price.amount])).toEqual([
      ['Standard', 499],
      ['Express', 1499],
    ]);
    expect(preview.shipping).toEqual({ method: { name: 'Standard' }, price: { amount: 499 } });
    const nowhere = ok(await call(PREVIEW, { input: { shippingAddress: address('JP') } }, buyer), 'checkoutPreview').checkoutPreview;
    expect(nowhere.shippingOptions).toEqual([]);
    expect(nowhere.errors.map((e: any) => e.code)).toContain('SHIPPING_UNAVAILABLE');
  });

  it('ships a confirmed order in two parcels that its owner reads on the order', async () => {
    ok(
      await call('mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { errors { code } } }', { p: desk, q: 2 }, buyer),
      'addToCart',
    );
    const placed = ok(
      await call(
        'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } errors { code message } } }',
        { input: { idempotencyKey: randomUUID(), shippingAddress: address('US'), paymentToken: 'tok_visa' } },
        buyer,
      ),
      'placeOrder',
    ).placeOrder;
    expect(placed.errors).toEqual([]);
    const orderId = placed.order.id;
    const CREATE =
      'mutation($input: CreateShipmentInput!) { createShipment(input: $input) { shipment { id status lines { product { id } quantity } } errors { code message } } }';
    // The saga confirms the order; shipping hears of it on orders.v1.
    const deadline = Date.now() + 60_000;
    let first: Record<string, any>;
    for (;;) {
      first = ok(
        await call(
          CREATE,
          {
            input: {
              orderId,
              carrier: 'UPS',
              trackingNumber: '1Z1',
              trackingUrl: 'https://ups.example/1Z1',
              lines: [{ productId: desk, quantity: 2 }],
            },
          },
          admin,
        ),
        'createShipment',
      ).createShipment;
      if (first.shipment) break;
      if (Date.now() > deadline) throw new Error(`order never became shippable: ${JSON.stringify(first.errors)}`);
      await sleep(200);
    }
    expect(first.shipment.lines).toEqual([{ product: { id: desk }, quantity: 2 }]);
    const second = ok(await call(CREATE, { input: { orderId, carrier: 'DHL' } }, admin), 'createShipment').createShipment;
    expect(second.shipment.lines).toEqual([{ product: { id: lamp }, quantity: 1 }]);
    const nothingLeft = ok(await call(CREATE, { input: { orderId, carrier: 'DHL' } }, admin), 'createShipment').createShipment;
    expect(nothingLeft.errors[0].code).toBe('CONFLICT');
    expect((await call(CREATE, { input: { orderId, carrier: 'DHL' } }, buyer)).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const moved = ok(
      await call(
        'mutation($id: ID!) { updateShipmentStatus(id: $id, status: IN_TRANSIT) { shipment { status } errors { code } } }',
        { id: first.shipment.id },
        admin,
      ),
      'updateShipmentStatus',
    );
    expect(moved.updateShipmentStatus).toEqual({ shipment: { status: 'IN_TRANSIT' }, errors: [] });

    const order = ok(
      await call(
        'query($id: ID!) { order(id: $id) { id shipments { carrier trackingNumber trackingUrl status lines { product { id name } quantity } } } }',
        { id: orderId },
        buyer,
      ),
      'order',
    ).order;
    expect(order.shipments).toEqual([
      {
        carrier: 'UPS',
        trackingNumber: '1Z1',
        trackingUrl: 'https://ups.example/1Z1',
        status: 'IN_TRANSIT',
        lines: [{ product: { id: desk, name: expect.stringMatching(/^Shipping test /) }, quantity: 2 }],
      },
      {
        carrier: 'DHL',
        trackingNumber: null,
        trackingUrl: null,
        status: 'SHIPPED',
        lines: [{ product: { id: lamp, name: expect.stringMatching(/^Shipping test /) }, quantity: 1 }],
      },
    ]);
  });
});
