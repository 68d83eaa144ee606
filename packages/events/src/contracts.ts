import { z } from 'zod';

/** Topic names before the namespace is applied. */
export const BASE_TOPICS = {
  products: 'products.v1',
  inventory: 'inventory.v1',
  orders: 'orders.v1',
  payments: 'payments.v1',
  reviews: 'reviews.v1',
  inventoryCommands: 'inventory.commands.v1',
  paymentsCommands: 'payments.commands.v1',
  /**
   * Account events of users. CARRIES SECRETS: PasswordResetRequested and EmailVerificationRequested
   * hold the raw single-use token (the only copy outside the user's mailbox; users stores a hash).
   * In production restrict this topic with Kafka ACLs to the users producer and the notifications
   * consumer group, and keep its retention short (the tokens expire after 30 minutes / 7 days).
   */
  users: 'users.v1',
  /** Shipping methods and shipments of the shipping subgraph (key: the method id, or the order id for shipments). */
  shipping: 'shipping.v1',
} as const;

export type TopicKey = keyof typeof BASE_TOPICS;

/**
 * Where topic names come from: the service's namespace (`@shopgraph/kit` Namespace, built from
 * its SG_NAMESPACE config). Nothing in this package reads the environment: every function that
 * names a topic takes the namespace from its caller.
 */
export interface TopicNamespace {
  /** The full name of a base topic name in this namespace (the live shop's is the base name itself). */
  topic(base: string): string;
}

/** The (namespaced) Kafka topics of one namespace; the message key is always the aggregate id, so one aggregate's events stay in order. */
export type TopicNames = { readonly [K in TopicKey]: string };

/** Every topic's full name in `ns`. */
export function topicsIn(ns: TopicNamespace): TopicNames {
  const names = {} as Record<TopicKey, string>;
  for (const key of Object.keys(BASE_TOPICS) as TopicKey[]) names[key] = ns.topic(BASE_TOPICS[key]);
  return Object.freeze(names);
}
export type Topic = string;

const id = z.string().min(1);
const moneySchema = z.object({ amount: z.number().int().nonnegative(), currency: z.string().length(3) });
/** A line of an order: `variantId` (added with variants; absent = the product's default variant, whose id is productId). */
const orderLine = z.object({ productId: id, variantId: id.optional(), quantity: z.number().int().positive() });
const orderStatus = z.enum(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED']);
const isoDate = z.string().datetime({ offset: true });
/** An order as its customer sees it in a message: number, priced lines (name and unit price as ordered), totals, address. */
export const orderSummary = z.object({
  number: z.string(),
  currency: z.string().length(3),
  subtotal: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Checkout's breakdown (issue 14), additive within v1: total = subtotal − discountTotal + shippingTotal (+ taxTotal unless prices include tax). */
  discountTotal: z.number().int().nonnegative().optional(),
  shippingTotal: z.number().int().nonnegative().optional(),
  taxTotal: z.number().int().nonnegative().optional(),
  lines: z.array(z.object({ productId: id, name: z.string(), unitPrice: z.number().int().nonnegative(), quantity: z.number().int().positive() })),
  shippingAddress: z.object({
    recipient: z.string(),
    line1: z.string(),
    line2: z.string().nullable(),
    city: z.string(),
    region: z.string().nullable(),
    postalCode: z.string(),
    country: z.string(),
  }),
});
export type OrderSummary = z.infer<typeof orderSummary>;
/** As lenient as users' own rule (one @, no spaces): a stricter schema here would refuse addresses users accepted. */
const emailAddress = z.string().min(3).max(254).regex(/^[^\s@]+@[^\s@]+$/);

/**
 * Why an order was cancelled: the one vocabulary of orders' `cancellation_reason`, the GraphQL
 * enum CancellationReason and OrderStatusChanged.reason when the status is CANCELLED. TIMED_OUT:
 * the shop gave up waiting for a saga step (stock reservation or payment) after its command was sent.
 */
export const CANCELLATION_REASONS = ['OUT_OF_STOCK', 'PAYMENT_DECLINED', 'PAYMENT_FAILED', 'CUSTOMER_REQUEST', 'ADMIN', 'TIMED_OUT'] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];
export const cancellationReasonSchema = z.enum(CANCELLATION_REASONS);
/** The reasons as an enum object (each value its own name), for the GraphQL enums that show them. */
export const CancellationReasonEnum = Object.fromEntries(CANCELLATION_REASONS.map((r) => [r, r])) as { readonly [R in CancellationReason]: R };
/**
 * The GraphQL enum `CancellationReason` as every API that shows one registers it (orders, analytics):
 * one vocabulary, one set of descriptions. Typed by the vocabulary, so a new reason does not compile
 * until it is described here.
 */
export const CANCELLATION_REASON_ENUM = {
  name: 'CancellationReason',
  description: 'Why an order was cancelled.',
  valuesConfig: {
    OUT_OF_STOCK: { description: 'Not enough stock for every line.' },
    PAYMENT_DECLINED: { description: 'The card was declined.' },
    PAYMENT_FAILED: { description: 'The payment provider failed or did not answer in time (after retries).' },
    CUSTOMER_REQUEST: { description: 'The customer cancelled it.' },
    ADMIN: { description: 'An administrator cancelled it.' },
    TIMED_OUT: {
      description:
        'The shop gave up waiting for the stock reservation or the payment: no answer within its timeout of the request being sent (the history entry names the step).',
    },
  } satisfies { [R in CancellationReason]: { description: string } },
};

/**
 * One variant of a product as ProductCreated and ProductUpdated carry it. `variantId` is the
 * product's id for a default variant (a product without options), so a consumer that keys by
 * variant keeps every existing product-keyed record. `initialStock` is the stock a new variant
 * starts with (inventory opens its record with it; an existing record is left as it is).
 */
export const productVariantSnapshot = z.object({
  variantId: id,
  sku: z.string(),
  title: z.string(),
  options: z.array(z.object({ name: z.string(), value: z.string() })),
  price: moneySchema,
  active: z.boolean(),
  initialStock: z.number().int().nonnegative().optional(),
});
export type ProductVariantSnapshot = z.infer<typeof productVariantSnapshot>;

const productSnapshot = {
  productId: id,
  /** The default variant's sku and price (as before variants existed). */
  sku: z.string(),
  slug: z.string(),
  name: z.string(),
  price: moneySchema,
  active: z.boolean(),
  /**
   * Added with product variants, additively within v1 (old consumers ignore it, old events lack
   * it): every variant of the product, archived ones with active = false. Absent means the
   * product has its default variant only (variantId = productId, the product's sku and price).
   * Every change to a variant (added, updated, archived) is announced as a ProductUpdated
   * carrying the full list, so consumers replace their copy instead of applying deltas.
   */
  variants: z.array(productVariantSnapshot).min(1).optional(),
  /**
   * Added with checkout's category-limited promotions (issue 14), additively within v1: the slugs
   * of the product's categories (one today). Absent in older events: a consumer keeps what it knew.
   * Category slugs can change (updateCategory): products then republishes a ProductUpdated of each
   * active product of that category with the new slug.
   */
  categorySlugs: z.array(z.string().min(1)).optional(),
};

/**
 * A shipping method as shipping.v1 carries it: always the FULL method (a consumer replaces its copy
 * with it; `revision` grows by one with every change of the method, so a consumer keeps the highest
 * revision it has seen and ignores older ones). `countries`: ISO-3166-1 alpha-2 codes, upper case,
 * where it ships. `price`: flat price per order. `freeOver`: the method costs nothing when the
 * order's DISCOUNTED subtotal (after promotions, before shipping and tax) reaches this amount (same
 * currency as price); null: never free. Delivery estimate in business days (either may be null).
 * `active` false: archived (keep it for snapshots of old orders, offer it no more).
 */
export const shippingMethodSnapshot = z.object({
  methodId: id,
  revision: z.number().int().positive(),
  name: z.string().min(1),
  carrier: z.string().nullable(),
  description: z.string().nullable(),
  countries: z.array(z.string().length(2)),
  price: moneySchema,
  freeOver: moneySchema.nullable(),
  minDeliveryDays: z.number().int().nonnegative().nullable(),
  maxDeliveryDays: z.number().int().nonnegative().nullable(),
  active: z.boolean(),
});
export type ShippingMethodSnapshot = z.infer<typeof shippingMethodSnapshot>;
/** The statuses of a return (orders): REQUESTED → APPROVED | REJECTED; APPROVED → RECEIVED → REFUNDED. */
export const RETURN_STATUSES = ['REQUESTED', 'APPROVED', 'REJECTED', 'RECEIVED', 'REFUNDED'] as const;
const returnStatus = z.enum(RETURN_STATUSES);
const shipmentStatus = z.enum(['SHIPPED', 'IN_TRANSIT', 'DELIVERED', 'RETURNED_TO_SENDER']);
/**
 * A shipment (parcel) of an order as shipping.v1 carries it (key: the orderId, so one order's
 * shipment events stay in order). `lines`: what this parcel holds. The order-level flags say what
 * the order as a whole has reached after this event: `orderFullyShipped` — every line of the order
 * has shipped in full (over all its shipments); `orderFullyDelivered` — additionally every shipment
 * of the order is DELIVERED. Orders moves CONFIRMED→SHIPPED on the first event with
 * orderFullyShipped, and SHIPPED→DELIVERED on the first with orderFullyDelivered.
 */
const shipmentSnapshot = {
  shipmentId: id,
  orderId: id,
  lines: z.array(orderLine).min(1),
  carrier: z.string().min(1),
  trackingNumber: z.string().nullable(),
  trackingUrl: z.string().nullable(),
  status: shipmentStatus,
  at: isoDate,
  orderFullyShipped: z.boolean(),
  orderFullyDelivered: z.boolean(),
};

/**
 * Every event and command type: its topic, schema version and payload schema. Producers and
 * consumers both validate against these (the contract tests check that they agree).
 */
export const contracts = {
  // products.v1
  ProductCreated: { topic: BASE_TOPICS.products, version: 1, payload: z.object({ ...productSnapshot, initialStock: z.number().int().nonnegative() }) },
  ProductUpdated: { topic: BASE_TOPICS.products, version: 1, payload: z.object(productSnapshot) },
  ProductArchived: { topic: BASE_TOPICS.products, version: 1, payload: z.object({ productId: id }) },
  // inventory.v1
  StockChanged: {
    topic: BASE_TOPICS.inventory,
    version: 1,
    // productId: the product; variantId (added with variants): the variant whose stock changed (absent = the default variant).
    payload: z.object({ productId: id, variantId: id.optional(), onHand: z.number().int().nonnegative(), reserved: z.number().int().nonnegative(), reason: z.string() }),
  },
  StockReserved: { topic: BASE_TOPICS.inventory, version: 1, payload: z.object({ orderId: id, lines: z.array(orderLine).min(1) }) },
  StockReservationFailed: {
    topic: BASE_TOPICS.inventory,
    version: 1,
    // productIds: the stock items (variant ids; a default variant's id is its product's) that block the order.
    payload: z.object({ orderId: id, reason: z.enum(['OUT_OF_STOCK', 'UNKNOWN_PRODUCT']), productIds: z.array(id) }),
  },
  StockReleased: { topic: BASE_TOPICS.inventory, version: 1, payload: z.object({ orderId: id }) },
  StockCommitted: { topic: BASE_TOPICS.inventory, version: 1, payload: z.object({ orderId: id }) },
  /** The goods of a return are back on hand (the reply to RestockReturn; sent again for a repeated command). */
  ReturnRestocked: { topic: BASE_TOPICS.inventory, version: 1, payload: z.object({ returnId: id, orderId: id }) },
  // inventory.commands.v1
  ReserveStock: { topic: BASE_TOPICS.inventoryCommands, version: 1, payload: z.object({ orderId: id, lines: z.array(orderLine).min(1) }) },
  ReleaseStock: { topic: BASE_TOPICS.inventoryCommands, version: 1, payload: z.object({ orderId: id }) },
  CommitStock: { topic: BASE_TOPICS.inventoryCommands, version: 1, payload: z.object({ orderId: id }) },
  /**
   * Returned goods back on the shelf (issue 15): add each line's quantity to on_hand (a RETURNED
   * movement). Inventory restocks each (returnId, stock item) once, however often the command
   * comes, and answers ReturnRestocked. Key: the orderId.
   */
  RestockReturn: { topic: BASE_TOPICS.inventoryCommands, version: 1, payload: z.object({ returnId: id, orderId: id, lines: z.array(orderLine).min(1) }) },
  // payments.commands.v1
  AuthorizePayment: {
    topic: BASE_TOPICS.paymentsCommands,
    version: 1,
    payload: z.object({ orderId: id, customerId: id, amount: moneySchema, paymentToken: z.string().min(1) }),
  },
  /**
   * `returnId` (issue 15, additive within v1): the refund of a received return; payments refunds
   * once per returnId, however often the command comes, and its PaymentRefunded carries the returnId.
   */
  RefundPayment: {
    topic: BASE_TOPICS.paymentsCommands,
    version: 1,
    payload: z.object({ orderId: id, amount: z.number().int().positive().nullable(), returnId: id.optional() }),
  },
  // payments.v1
  PaymentCaptured: { topic: BASE_TOPICS.payments, version: 1, payload: z.object({ orderId: id, paymentId: id, amount: moneySchema }) },
  PaymentDeclined: { topic: BASE_TOPICS.payments, version: 1, payload: z.object({ orderId: id, paymentId: id, reason: z.string() }) },
  PaymentFailed: { topic: BASE_TOPICS.payments, version: 1, payload: z.object({ orderId: id, paymentId: id, reason: z.string() }) },
  /** `returnId`: set when the refund was for a return (RefundPayment.returnId). */
  PaymentRefunded: { topic: BASE_TOPICS.payments, version: 1, payload: z.object({ orderId: id, paymentId: id, amount: moneySchema, returnId: id.optional() }) },
  // orders.v1
  OrderStatusChanged: {
    topic: BASE_TOPICS.orders,
    version: 1,
    payload: z.object({
      orderId: id,
      customerId: id,
      status: orderStatus,
      previousStatus: orderStatus.nullable(),
      /** For CANCELLED: one of CANCELLATION_REASONS (a string, so a consumer older than a new value still reads the event). */
      reason: z.string().nullable(),
      version: z.number().int().positive(),
      at: isoDate,
      /** The order's lines, so consumers (reviews: verified purchases) need no call back. */
      items: z.array(orderLine),
      /**
       * What a message to the customer about the order shows (notifications' emails), so no consumer
       * calls orders back. Added additively within v1: older events lack it.
       */
      summary: orderSummary.optional(),
      /**
       * Guest orders only (issue 14, additive within v1): the address the guest placed the order
       * with (its customerId is a guest record users does not know), where notifications mails it.
       */
      email: emailAddress.optional(),
    }),
  },
  /**
   * A return of an order changed (issue 15): requested, approved, rejected, received (refundAmount
   * set), refunded. Key: the orderId. `summary`: the order as a message to the customer shows it.
   */
  ReturnUpdated: {
    topic: BASE_TOPICS.orders,
    version: 1,
    payload: z.object({
      returnId: id,
      orderId: id,
      customerId: id,
      status: returnStatus,
      previousStatus: returnStatus.nullable(),
      lines: z.array(orderLine).min(1),
      reason: z.string(),
      rejectionReason: z.string().nullable(),
      refundAmount: moneySchema.nullable(),
      at: isoDate,
      summary: orderSummary.optional(),
    }),
  },
  /**
   * A signed-in customer's cart came into being: the first line was added to an empty cart (a new
   * one, or one emptied by a checkout or expired). Key: the customerId. Published by orders through
   * its outbox right after the cart write; analytics counts it as the funnel's first step.
   */
  CartCreated: { topic: BASE_TOPICS.orders, version: 1, payload: z.object({ customerId: id, productId: id, at: isoDate }) },
  // users.v1 — the message key is the userId. Each event carries what an email needs (recipient
  // and name), so consumers need no call back to users. The topic carries raw tokens: ACL it.
  UserRegistered: { topic: BASE_TOPICS.users, version: 1, payload: z.object({ userId: id, email: emailAddress, name: z.string() }) },
  /** `token` is the raw reset token (secret; single use; the link is `<base>/reset-password?token=<token>`). */
  PasswordResetRequested: {
    topic: BASE_TOPICS.users,
    version: 1,
    payload: z.object({ userId: id, email: emailAddress, name: z.string(), token: z.string().min(1), expiresAt: isoDate }),
  },
  /** `token` is the raw verification token (secret; single use; the link is `<base>/verify-email?token=<token>`). */
  EmailVerificationRequested: {
    topic: BASE_TOPICS.users,
    version: 1,
    payload: z.object({ userId: id, email: emailAddress, name: z.string(), token: z.string().min(1), expiresAt: isoDate }),
  },
  /** A security notice: the password was changed (CHANGE, signed in) or reset with an emailed token (RESET). */
  PasswordChanged: {
    topic: BASE_TOPICS.users,
    version: 1,
    payload: z.object({ userId: id, email: emailAddress, name: z.string(), via: z.enum(['CHANGE', 'RESET']), at: isoDate }),
  },
  /**
   * The account proved it owns `email` (verifyEmail with a valid token), published once per
   * successful verification. Orders links the guest orders placed with that email (case-insensitive)
   * to the account then, never before.
   */
  EmailVerified: { topic: BASE_TOPICS.users, version: 1, payload: z.object({ userId: id, email: emailAddress, name: z.string(), verifiedAt: isoDate }) },
  // reviews.v1
  ReviewAdded: { topic: BASE_TOPICS.reviews, version: 1, payload: z.object({ reviewId: id, productId: id, authorId: id, rating: z.number().int().min(1).max(5) }) },
  ReviewDeleted: { topic: BASE_TOPICS.reviews, version: 1, payload: z.object({ reviewId: id, productId: id }) },
  // shipping.v1 — published by the shipping subgraph through its outbox.
  /** A shipping method was created, updated or archived (active=false); the full method. Key: methodId. */
  ShippingMethodChanged: { topic: BASE_TOPICS.shipping, version: 1, payload: shippingMethodSnapshot },
  /** A shipment was created (status SHIPPED). Key: orderId. */
  ShipmentCreated: { topic: BASE_TOPICS.shipping, version: 1, payload: z.object(shipmentSnapshot) },
  /** A shipment's status changed (previousStatus: what it was). Key: orderId. */
  ShipmentStatusChanged: { topic: BASE_TOPICS.shipping, version: 1, payload: z.object({ ...shipmentSnapshot, previousStatus: shipmentStatus }) },
} as const;

export type EventType = keyof typeof contracts;
export type PayloadOf<T extends EventType> = z.infer<(typeof contracts)[T]['payload']>;

/** The envelope every message carries (ARCHITECTURE.md, Events). */
export const envelopeSchema = z.object({
  id: z.string().uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  occurredAt: isoDate,
  source: z.string().min(1),
  aggregateId: z.string().min(1),
  correlationId: z.string().min(1),
  causationId: z.string().nullable(),
  traceparent: z.string().nullable(),
  payload: z.unknown(),
});

export interface EventEnvelope<T extends EventType = EventType> {
  id: string;
  type: T;
  version: number;
  occurredAt: string;
  source: string;
  aggregateId: string;
  correlationId: string;
  causationId: string | null;
  traceparent: string | null;
  payload: PayloadOf<T>;
}
