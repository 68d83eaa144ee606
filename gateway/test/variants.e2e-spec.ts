import { randomUUID } from 'node:crypto';
import { demoProducts } from '@shopgraph/demo-data';
import type { CommandStartedEvent, MongoClient } from 'mongodb';
import { uniqueId } from '@shopgraph/testkit';
import type { InventoryService } from '@shopgraph/inventory';
import type { OrdersService } from '@shopgraph/orders';
import { startShop, type Shop } from './fixtures/shop';
import { finalOrders as finalOrdersOf, ok } from './fixtures/orders';

// Product variants end to end (issue 13), through the gateway over HTTP as a client would, with
// the order saga on: products, inventory, orders, payments and the payment provider sandbox on
// their real stores, Kafka in between. Each test makes a product of its own with options and
// asserts outcomes from the API, the sandbox's charges and the subgraphs' own databases.

jest.setTimeout(180_000);

/**
 * Outcomes, not latency: 100+ concurrent placeOrders on a 2-core CI machine queue behind orders'
 * connection pool, so orders gets a long gateway deadline and pool-acquire deadline (as in the
 * saga e2e), and no sweeper may cancel an order while the machine is busy.
 */
const ORDERS_ENV = {
  RESERVATION_TIMEOUT_SECONDS: '300',
  PAYMENT_TIMEOUT_SECONDS: '300',
  PG_CONNECT_TIMEOUT_MS: '15000',
  REDIS_COMMAND_TIMEOUT_MS: '3000',
};
/** Carts (orders) and the login rate limit (users, which fails closed) live in Redis: a busy machine's slow Redis answer is not an outage here. */
const USERS_ENV = { REDIS_COMMAND_TIMEOUT_MS: '3000' };
/** Store deadlines well past a loaded machine's queueing (at load average 25 products' 1.5 s MongoDB wait-queue deadline was passed). */
const MONGO_ENV = { MONGO_SERVER_SELECTION_TIMEOUT_MS: '10000', MONGO_SOCKET_TIMEOUT_MS: '10000' };
const INVENTORY_ENV = { PG_CONNECT_TIMEOUT_MS: '10000', PG_STATEMENT_TIMEOUT_MS: '10000' };
// Every subgraph, not only orders: a listing or a login that waits behind 100 orders' saga work on a busy machine is still answered.
const GATEWAY_ENV = { SUBGRAPH_TIMEOUT_MS: '20000', ORDERS_SUBGRAPH_TIMEOUT_MS: '20000' };

let shop: Shop;
let admin: string;
let alice: string;
/** The demo customers (alice, bob, carol, dave, erin), signed in one after the other: no password hashing of new accounts under load. */
let customers: string[];

beforeAll(async () => {
  shop = await startShop({
    saga: true,
    // The listing cache off: the batching test counts products' store calls per listing (products/test/catalog-cache covers the cache).
    env: { orders: ORDERS_ENV, users: USERS_ENV, products: { ...MONGO_ENV, CATALOG_CACHE_TTL_SECONDS: '0' }, reviews: MONGO_ENV, inventory: INVENTORY_ENV, gateway: GATEWAY_ENV },
  });
  admin = await signIn('admin@shopgraph.local', 'Admin123!shop');
  customers = [];
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) customers.push(await signIn(`${name}@shopgraph.local`, 'Customer123!'));
  alice = customers[0];
}, 240_000);

afterAll(() => shop?.stop());

/** Signs in, trying again a few times after SERVICE_UNAVAILABLE's retryAfter (sign-in is refused while its rate limit cannot be counted). */
async function signIn(email: string, password: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await shop.login(email, password);
    } catch (error) {
      if (attempt >= 4 || !String(error).includes('SERVICE_UNAVAILABLE')) throw error;
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

// ───────────── helpers (through the gateway unless they say otherwise) ─────────────

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const address = { recipient: 'Alice Martin', line1: '1 Test Street', city: 'London', postalCode: 'N1 1AA', country: 'GB' };
const ORDER_FIELDS = `id status cancellationReason total { amount currency }
  items { quantity unitPrice { amount } lineTotal { amount } sku variantTitle productName variant { id sku } product { id } }`;

interface Stock {
  onHand: number;
  reserved: number;
  available: number;
}
interface OrderView {
  id: string;
  status: string;
  cancellationReason: string | null;
  total: { amount: number; currency: string };
  items?: {
    quantity: number;
    unitPrice: { amount: number };
    lineTotal: { amount: number };
    sku: string;
    variantTitle: string;
    productName: string;
    variant: { id: string; sku: string } | null;
    product: { id: string } | null;
  }[];
}
interface Variant {
  id: string;
  sku: string;
  title: string;
  price: number;
}


async function until<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * A T-shirt of its own for one test: Size × Colour, one variant per entry of `variants` (its
 * size, price and initial stock), created as ADMIN; returns once inventory has every variant's
 * stock and orders can price every variant.
 */
async function newShirt(variants: { size: string; price: number; stock: number }[]): Promise<{ id: string; variants: Variant[] }> {
  const base = uniqueId('TEE').toUpperCase().replace(/_/g, '-');
  const input = {
    sku: base,
    name: `Variant test tee ${base}`,
    description: 'A T-shirt of one variants e2e test',
    categorySlug: 'apparel',
    price: variants[0].price,
    options: [
      { name: 'Size', values: variants.map((v) => v.size) },
      { name: 'Colour', values: ['Black'] },
    ],
    variants: variants.map((v) => ({
      sku: `${base}-${v.size}`,
      options: [
        { name: 'Size', value: v.size },
        { name: 'Colour', value: 'Black' },
      ],
      price: v.price,
      initialStock: v.stock,
    })),
  };
  const created = ok(
    await shop.call(
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id variants { id sku title price { amount } } } errors { code message field } } }',
      { input },
      admin,
    ),
    'createProduct',
  ).createProduct;
  if (created.errors.length > 0) throw new Error(`createProduct: ${JSON.stringify(created.errors)}`);
  const id: string = created.product.id;
  const made: Variant[] = created.product.variants.map((v: { id: string; sku: string; title: string; price: { amount: number } }) => ({
    id: v.id,
    sku: v.sku,
    title: v.title,
    price: v.price.amount,
  }));
  expect(made.map((v) => v.title)).toEqual(variants.map((v) => `${v.size} / Black`));
  for (const [i, v] of made.entries())
    await variantStockEventually(id, v.id, { onHand: variants[i].stock, reserved: 0, available: variants[i].stock }, 30_000);
  for (const v of made) await untilPriced(v.id, v.price);
  return { id, variants: made };
}

/** Each variant's stock (the API's ProductVariant.stock), by variant id, and the product's (the sum). */
async function stockOfProduct(productId: string): Promise<{ product: Stock | null; variants: Map<string, Stock | null> } | null> {
  const res = await shop.call(
    'query($id: ID) { product(id: $id) { stock { onHand reserved available } variants { id stock { onHand reserved available } } } }',
    {
      id: productId,
    },
  );
  const product = res.body.data?.product;
  if (!product) return null;
  return { product: product.stock, variants: new Map(product.variants.map((v: { id: string; stock: Stock | null }) => [v.id, v.stock])) };
}

/** One variant's stock through the API (ProductVariant.stock of its product's variants). */
async function variantStock(productId: string, variantId: string): Promise<Stock | null> {
  return (await stockOfProduct(productId))?.variants.get(variantId) ?? null;
}

/** Polls a variant's stock until it equals `expected` (bounded), then asserts it. */
async function variantStockEventually(productId: string, variantId: string, expected: Stock, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Stock | null = null;
  while (Date.now() < deadline) {
    last = await variantStock(productId, variantId);
    if (last && last.onHand === expected.onHand && last.reserved === expected.reserved && last.available === expected.available) break;
    await sleep(100);
  }
  expect({ variantId, stock: last }).toEqual({ variantId, stock: expected });
}

/** Waits until orders' price replica prices `variantId` at `amount` (probed in the admin's cart, then taken out again). */
async function untilPriced(variantId: string, amount: number, timeoutMs = 30_000): Promise<void> {
  await until(
    async () => {
      const res = await shop.call(
        'mutation($v: ID!) { addVariantToCart(variantId: $v, quantity: 1) { cart { items { id unitPrice { amount } } } errors { code } } }',
        { v: variantId },
        admin,
      );
      const payload = res.body.data?.addVariantToCart;
      const line = payload?.errors.length === 0 ? payload.cart.items.find((i: { id: string }) => i.id === variantId) : undefined;
      if (payload?.errors.length === 0)
        await shop.call('mutation($v: ID!) { updateCartLine(lineId: $v, quantity: 0) { errors { code } } }', { v: variantId }, admin);
      return line?.unitPrice.amount === amount;
    },
    timeoutMs,
    `orders prices ${variantId} at ${amount}`,
  );
}

/** What placeOrder and the polling ask for: orders' own fields only (the lines' variant and product come from products). */
const STATUS_FIELDS = 'id status cancellationReason total { amount currency }';
const PLACE_ORDER = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { ${STATUS_FIELDS} } errors { code message } } }`;

/** Places an order (the given lines, or the cart when `items` is omitted) and returns it as placeOrder answered. */
async function placeOrder(token: string, items?: { productId: string; variantId: string; quantity: number }[]): Promise<OrderView> {
  const input = { idempotencyKey: randomUUID(), ...(items ? { items } : {}), shippingAddress: address, paymentToken: 'tok_visa' };
  const payload = ok(await shop.call(PLACE_ORDER, { input }, token), 'placeOrder').placeOrder;
  if (payload.errors.length > 0 || !payload.order) throw new Error(`placeOrder refused: ${JSON.stringify(payload.errors)}`);
  return payload.order;
}


/** One order with its lines (as ADMIN), asked again while products cannot answer for the lines' variant and product. */
async function orderWithItems(id: string): Promise<Required<OrderView>> {
  return until(
    async () => {
      const res = await shop.call(`query($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`, { id }, admin);
      return res.body.errors ? undefined : res.body.data?.order;
    },
    30_000,
    `order ${id} with its lines`,
  );
}

/** Polls until every order has a final status (bounded); returns them. */
const finalOrders = (ids: string[], timeoutMs = 90_000) => finalOrdersOf<OrderView>(shop, admin, ids, STATUS_FIELDS, { timeoutMs, intervalMs: 200 });

/** Lines in sku order (an order keeps one line per variant; the test does not rely on their order). */
const bySku = <T extends { sku: string }>(lines: T[]): T[] => [...lines].sort((a, b) => a.sku.localeCompare(b.sku));

const chargesFor = (orderId: string) => shop.sandbox.charges().filter((c) => c.metadata.order_id === orderId);

/** Straight from inventory's database: every stock row of a product's variants. */
async function stockRows(productId: string): Promise<Map<string, { onHand: number; reserved: number }>> {
  const inventory = shop.services.inventory!.instance as InventoryService;
  const rows: { id: string; onHand: number; reserved: number }[] = await inventory.dataSource.query(
    'SELECT product_id AS id, on_hand AS "onHand", reserved FROM stock WHERE parent_product_id = $1',
    [productId],
  );
  return new Map(rows.map((r) => [r.id, { onHand: r.onHand, reserved: r.reserved }]));
}

/** Straight from orders' database: the lines of these orders (by order, then sku). */
async function orderLines(
  orderIds: string[],
): Promise<{ orderId: string; variantId: string; sku: string; quantity: number; unitPrice: number }[]> {
  const orders = shop.services.orders!.instance as OrdersService;
  return orders.dataSource.query(
    `SELECT order_id::text AS "orderId", variant_id AS "variantId", sku, quantity, unit_price AS "unitPrice" FROM order_items WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, sku`,
    [orderIds],
  );
}

// ───────────── the tests ─────────────

describe('product variants through the gateway', () => {
  // First, while no order is in flight: the saga's own store work would blur the counts.
  it("lists products with their variants, each variant's stock, the product's stock and rating at a store cost independent of the page size", async () => {
    const listing = (first: number) =>
      `{ products(first: ${first}, sort: NEWEST) { edges { node {
          id stock { available } inStock rating { average count }
          options { name values } priceRange { min { amount } max { amount } }
          variants { id sku title price { amount } stock { onHand available } inStock } } } } }`;
    // This request's own store calls, counted where they are sent: MongoDB commands on products' and
    // reviews' request clients (their relays and consumers use a background client), and the
    // statements on inventory's stock table (its relay and sweeper read other tables).
    const cost = async (first: number) => {
      const mongoCommands = { products: [] as string[], reviews: [] as string[] };
      const listeners = (['products', 'reviews'] as const).map((name) => {
        const client = (shop.services[name]!.instance as { mongo: MongoClient }).mongo;
        const listener = (event: CommandStartedEvent) => {
          if (!JSON.stringify(event.command.filter ?? event.command.pipeline ?? {}).includes('_outboxPending')) {
            mongoCommands[name].push(`${event.commandName}:${String((event.command as Record<string, unknown>)[event.commandName])}`);
          }
        };
        client.on('commandStarted', listener);
        return () => client.off('commandStarted', listener);
      });
      const stockStatements: string[] = [];
      const logger = (shop.services.inventory!.instance as InventoryService).dataSource.logger;
      const original = logger.logQuery.bind(logger);
      logger.logQuery = (query: string, parameters?: unknown[]) => {
        if (/\bfrom stock\b/i.test(query)) stockStatements.push(query);
        return original(query, parameters);
      };
      try {
        const res = await shop.call(listing(first));
        expect(res.body.errors).toBeUndefined();
        const edges = res.body.data!.products.edges;
        expect(edges).toHaveLength(first);
        for (const { node } of edges) {
          expect(node.variants.length).toBeGreaterThanOrEqual(1);
          // The product's stock is the sum over its (active) variants'.
          expect(node.stock.available).toBe(
            node.variants.reduce((sum: number, v: { stock: { available: number } }) => sum + v.stock.available, 0),
          );
        }
      } finally {
        for (const off of listeners) off();
        logger.logQuery = original;
      }
      return { products: mongoCommands.products.sort(), inventory: stockStatements.length, reviews: mongoCommands.reviews.sort() };
    };
    const ten = await cost(10);
    const fifty = await cost(50);
    console.log(
      `[variants] store calls of a listing with variants, their stock and ratings: 10 products ${JSON.stringify(ten)}, 50 products ${JSON.stringify(fifty)}`,
    );
    // The 50 include every demo product with options (their several variants each).
    const withOptions = demoProducts.filter((p) => p.variants && p.variants.length > 1);
    expect(withOptions.length).toBeGreaterThanOrEqual(2);
    const listed = (await shop.call(listing(50))).body.data!.products.edges.map(
      (e: { node: { id: string; variants: unknown[] } }) => e.node,
    );
    for (const p of withOptions) expect(listed.find((n: { id: string }) => n.id === p.id)?.variants).toHaveLength(p.variants!.length);
    // One store call per entity type per subgraph fetch: the cost must not grow with the page.
    expect(fifty).toEqual(ten);
    expect(fifty.products.length).toBeLessThanOrEqual(3);
    // inventory: one grouped query for Product.stock and one for ProductVariant.stock.
    expect(fifty.inventory).toBe(2);
    expect(fifty.reviews.length).toBeGreaterThanOrEqual(1);
    expect(fifty.reviews.length).toBeLessThanOrEqual(2);
  });

  it("two variants of one product in one order: each variant's stock goes down by its own quantity, the third variant's not at all", async () => {
    const shirt = await newShirt([
      { size: 'S', price: 2500, stock: 10 },
      { size: 'M', price: 2800, stock: 8 },
      { size: 'L', price: 3100, stock: 6 },
    ]);
    const [small, medium, large] = shirt.variants;

    const placed = await placeOrder(alice, [
      { productId: shirt.id, variantId: small.id, quantity: 2 },
      { productId: shirt.id, variantId: medium.id, quantity: 3 },
    ]);
    expect(placed.status).toBe('PENDING');
    expect(placed.total.amount).toBe(2 * 2500 + 3 * 2800);

    expect((await finalOrders([placed.id])).get(placed.id)!.status).toBe('CONFIRMED');
    const order = await orderWithItems(placed.id);
    expect(order.status).toBe('CONFIRMED');
    expect(bySku(order.items)).toEqual(
      bySku([
        {
          quantity: 2,
          unitPrice: { amount: 2500 },
          lineTotal: { amount: 5000 },
          sku: small.sku,
          variantTitle: 'S / Black',
          productName: expect.stringContaining('Variant test tee'),
          variant: { id: small.id, sku: small.sku },
          product: { id: shirt.id },
        },
        {
          quantity: 3,
          unitPrice: { amount: 2800 },
          lineTotal: { amount: 8400 },
          sku: medium.sku,
          variantTitle: 'M / Black',
          productName: expect.stringContaining('Variant test tee'),
          variant: { id: medium.id, sku: medium.sku },
          product: { id: shirt.id },
        },
      ]),
    );

    // Through the API: each variant's own stock, and the product's sum.
    await variantStockEventually(shirt.id, small.id, { onHand: 8, reserved: 0, available: 8 });
    await variantStockEventually(shirt.id, medium.id, { onHand: 5, reserved: 0, available: 5 });
    await variantStockEventually(shirt.id, large.id, { onHand: 6, reserved: 0, available: 6 });
    expect((await stockOfProduct(shirt.id))!.product).toEqual({ onHand: 19, reserved: 0, available: 19 });

    // In inventory's database: one row per variant, the right one moved.
    expect(await stockRows(shirt.id)).toEqual(
      new Map([
        [small.id, { onHand: 8, reserved: 0 }],
        [medium.id, { onHand: 5, reserved: 0 }],
        [large.id, { onHand: 6, reserved: 0 }],
      ]),
    );
    // In orders' database: one line per variant with its sku and price snapshot.
    expect(await orderLines([order.id])).toEqual(
      bySku([
        { orderId: order.id, variantId: small.id, sku: small.sku, quantity: 2, unitPrice: 2500 },
        { orderId: order.id, variantId: medium.id, sku: medium.sku, quantity: 3, unitPrice: 2800 },
      ]),
    );
    // One charge for the whole order.
    const charges = chargesFor(order.id);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ amount: 13_400, currency: 'usd' });
  });

  it('100 buyers race for the last 5 units of one variant while another variant of the same product keeps selling', async () => {
    const shirt = await newShirt([
      { size: 'S', price: 2500, stock: 5 },
      { size: 'M', price: 2700, stock: 50 },
    ]);
    const [scarce, plenty] = shirt.variants;

    // Watch the scarce variant's stock the whole time: never negative, never more reserved than on hand.
    const seen: Stock[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const stock = await variantStock(shirt.id, scarce.id).catch(() => null);
        if (stock) seen.push(stock);
        await sleep(50);
      }
    })();

    // 100 orders of one unit of the scarce variant, with 10 orders of 2 of the other variant among them.
    let scarceIds: string[];
    let plentyIds: string[];
    let final: Map<string, OrderView>;
    try {
      const scarceOrders: Promise<OrderView>[] = [];
      const plentyOrders: Promise<OrderView>[] = [];
      for (let i = 0; i < 100; i++) {
        const buyer = customers[i % customers.length];
        scarceOrders.push(placeOrder(buyer, [{ productId: shirt.id, variantId: scarce.id, quantity: 1 }]));
        if (i % 10 === 5) plentyOrders.push(placeOrder(buyer, [{ productId: shirt.id, variantId: plenty.id, quantity: 2 }]));
      }
      scarceIds = (await Promise.all(scarceOrders)).map((o) => o.id);
      plentyIds = (await Promise.all(plentyOrders)).map((o) => o.id);
      expect(new Set([...scarceIds, ...plentyIds]).size).toBe(110);
      final = await finalOrders([...scarceIds, ...plentyIds], 150_000);
    } finally {
      watching = false;
      await watcher;
    }

    const scarceFinal = scarceIds.map((id) => final.get(id)!);
    const confirmed = scarceFinal.filter((o) => o.status === 'CONFIRMED');
    const outOfStock = scarceFinal.filter((o) => o.status === 'CANCELLED' && o.cancellationReason === 'OUT_OF_STOCK');
    expect(confirmed).toHaveLength(5);
    expect(outOfStock).toHaveLength(95);
    // The other variant's orders are unaffected: every one confirmed.
    expect(plentyIds.map((id) => final.get(id)!.status)).toEqual(Array(10).fill('CONFIRMED'));

    await variantStockEventually(shirt.id, scarce.id, { onHand: 0, reserved: 0, available: 0 });
    await variantStockEventually(shirt.id, plenty.id, { onHand: 30, reserved: 0, available: 30 });
    expect((await stockOfProduct(shirt.id))!.product).toEqual({ onHand: 30, reserved: 0, available: 30 });
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) {
      expect(s.onHand).toBeGreaterThanOrEqual(0);
      expect(s.reserved).toBeGreaterThanOrEqual(0);
      expect(s.reserved).toBeLessThanOrEqual(s.onHand);
      expect(s.onHand).toBeLessThanOrEqual(5);
    }

    // inventory's database: nothing oversold, nothing left reserved.
    expect(await stockRows(shirt.id)).toEqual(
      new Map([
        [scarce.id, { onHand: 0, reserved: 0 }],
        [plenty.id, { onHand: 30, reserved: 0 }],
      ]),
    );
    const inventory = shop.services.inventory!.instance as InventoryService;
    const committed: { variantId: string; units: number }[] = await inventory.dataSource.query(
      `SELECT l.product_id AS "variantId", sum(l.quantity)::int AS units FROM reservation_lines l JOIN reservations r ON r.order_id = l.order_id
        WHERE l.product_id = ANY($1::text[]) AND r.status = 'COMMITTED' GROUP BY l.product_id ORDER BY l.product_id`,
      [[scarce.id, plenty.id]],
    );
    expect(new Map(committed.map((c) => [c.variantId, c.units]))).toEqual(
      new Map([
        [scarce.id, 5],
        [plenty.id, 20],
      ]),
    );
    // orders' database: every line names the variant it was placed for.
    const lines = await orderLines([...scarceIds, ...plentyIds]);
    expect(lines.filter((l) => l.variantId === scarce.id)).toHaveLength(100);
    expect(lines.filter((l) => l.variantId === plenty.id)).toHaveLength(10);

    // Exactly one charge per confirmed order, at the variant's own price.
    const confirmedIds = [...confirmed.map((o) => o.id), ...plentyIds];
    const charges = [...scarceIds, ...plentyIds].flatMap(chargesFor);
    expect(charges).toHaveLength(15);
    expect(new Set(charges.map((c) => c.metadata.order_id))).toEqual(new Set(confirmedIds));
    for (const c of charges) expect(c.amount).toBe(plentyIds.includes(c.metadata.order_id) ? 2 * 2700 : 2500);
  });

  it("a variant's price changed by an admin reaches the cart and is what placeOrder charges, not the price the cart showed before", async () => {
    const shirt = await newShirt([
      { size: 'S', price: 2500, stock: 10 },
      { size: 'M', price: 2800, stock: 10 },
    ]);
    const [small, medium] = shirt.variants;
    const bob = customers[1];
    await shop.call('mutation { clearCart { errors { code } } }', {}, bob);

    const CART =
      '{ cart { itemCount subtotal { amount } items { id quantity unitPrice { amount } lineTotal { amount } variant { id price { amount } } } } }';
    const added = ok(
      await shop.call(
        'mutation($v: ID!) { addVariantToCart(variantId: $v, quantity: 2) { cart { subtotal { amount } } errors { code message } } }',
        { v: small.id },
        bob,
      ),
      'addVariantToCart',
    ).addVariantToCart;
    expect(added).toEqual({ cart: { subtotal: { amount: 5000 } }, errors: [] });
    ok(
      await shop.call('mutation($v: ID!) { addVariantToCart(variantId: $v, quantity: 1) { errors { code } } }', { v: medium.id }, bob),
      'addVariantToCart',
    );
    const before = ok(await shop.call(CART, {}, bob), 'cart').cart;
    expect(before.subtotal.amount).toBe(2 * 2500 + 2800);

    // The admin changes one variant's price; the other keeps its own.
    const updated = ok(
      await shop.call(
        'mutation($id: ID!, $input: UpdateVariantInput!) { updateProductVariant(id: $id, input: $input) { variant { id price { amount } } errors { code message } } }',
        { id: small.id, input: { price: 1990 } },
        admin,
      ),
      'updateProductVariant',
    ).updateProductVariant;
    expect(updated).toEqual({ variant: { id: small.id, price: { amount: 1990 } }, errors: [] });

    // The change travels products.v1 to orders' replica; the cart shows it once it has arrived.
    const after = await until(
      async () => {
        const cart = ok(await shop.call(CART, {}, bob), 'cart').cart;
        return cart.subtotal.amount === 2 * 1990 + 2800 ? cart : undefined;
      },
      30_000,
      'the cart shows the new price',
    );
    expect(after.items).toEqual([
      {
        id: small.id,
        quantity: 2,
        unitPrice: { amount: 1990 },
        lineTotal: { amount: 3980 },
        variant: { id: small.id, price: { amount: 1990 } },
      },
      {
        id: medium.id,
        quantity: 1,
        unitPrice: { amount: 2800 },
        lineTotal: { amount: 2800 },
        variant: { id: medium.id, price: { amount: 2800 } },
      },
    ]);

    const placed = await placeOrder(bob); // the cart is checked out
    expect(placed.total.amount).toBe(2 * 1990 + 2800);
    expect((await finalOrders([placed.id])).get(placed.id)!.status).toBe('CONFIRMED');
    const order = await orderWithItems(placed.id);
    expect(order.status).toBe('CONFIRMED');
    expect(order.total.amount).toBe(6780);
    expect(new Map(order.items.map((i) => [i.variant?.id, [i.quantity, i.unitPrice.amount]]))).toEqual(
      new Map([
        [small.id, [2, 1990]],
        [medium.id, [1, 2800]],
      ]),
    );
    // What the provider was asked to charge is the new price, not the 7800 the cart showed before.
    const charges = chargesFor(order.id);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ amount: 6780, currency: 'usd' });
    expect(await orderLines([order.id])).toEqual(
      bySku([
        { orderId: order.id, variantId: small.id, sku: small.sku, quantity: 2, unitPrice: 1990 },
        { orderId: order.id, variantId: medium.id, sku: medium.sku, quantity: 1, unitPrice: 2800 },
      ]),
    );
    await variantStockEventually(shirt.id, small.id, { onHand: 8, reserved: 0, available: 8 });
    await variantStockEventually(shirt.id, medium.id, { onHand: 9, reserved: 0, available: 9 });
  });
});
