import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  connectionFrom,
  forbidden,
  pageSize,
  requireAdmin,
  requireSelfOrAdmin,
  requireViewer,
  UserError,
  UserErrorCode,
  type RequestContext,
} from '@shopgraph/kit';
import { enqueueEvents, type EventOrigin } from '@shopgraph/events';
import type { OrderEntity } from '../entities/order.entity';
import type { OrderFilterArgs, OrderStore } from '../stores/order.store';
import type { ProductReplicaStore } from '../stores/product-replica.store';
import { toOrder } from '../types/order.mapper';
import { Order, OrderConnection, OrderPayload } from '../types/order.type';
import type { CartService } from './cart.service';
import { toUserError, type CheckoutService } from './checkout.service';
import { PromotionRedemptionError } from '../stores/checkout.store';
import { guestEmailError, hashOrderInput, normalizeOrderInput, validateOrderInput, validateOrderLines, type PlaceOrderFields } from '../domain/order-input';
import { GUEST_CART_ID, type CartOwner } from '../stores/cart.store';
import { newOrderToken, type GuestStore } from '../stores/guest.store';
import type { SagaInput } from '../domain/order-saga';
import { orderCursor, parseOrderCursor } from './order.cursor';
import { defaultVariantChoice } from './cart.service';
import { priceLines, variantOf, type Line } from '../domain/pricing';
import { SOURCE, type SagaService } from './saga.service';
import type { SagaMetrics } from './saga.metrics';

const payload = (order: OrderEntity | null, errors: UserError[] = []): OrderPayload =>
  Object.assign(new OrderPayload(), { order: order ? toOrder(order) : null, errors });
const refused = (code: UserErrorCode, message: string, field?: string[]): OrderPayload => payload(null, [UserError.of(code, message, field)]);

/** Placing, reading and moving orders on behalf of people; the saga's own steps live in SagaService. */
export class OrderService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrderStore,
    private readonly replica: ProductReplicaStore,
    private readonly carts: CartService,
    private readonly saga: SagaService,
    private readonly metrics: SagaMetrics,
    private readonly checkout?: CheckoutService,
    private readonly guests?: GuestStore,
  ) {}

  /**
   * Places an order PENDING and asks inventory to reserve its stock (outbox, same transaction);
   * returns at once. Idempotent per (customer, idempotencyKey): a retry, even concurrent, gets
   * the same order; the same key with a different input is a CONFLICT. A guest (not signed in)
   * orders with an email (the order belongs to the guest customer record of that email) from a
   * guest cart (`cartId`) or `items`, and gets a one-time `orderToken` (only its hash is stored)
   * that reads and tracks this order; a replay of the same request does not repeat it.
   */
  async placeOrder(ctx: RequestContext, input: PlaceOrderFields): Promise<OrderPayload> {
    const viewer = ctx.viewer;
    const normalized = normalizeOrderInput(input, viewer !== null);
    const inputHash = hashOrderInput(normalized);
    let customerId: string | null = viewer?.id ?? null;
    if (!viewer) {
      if (!this.guests) requireViewer(ctx);
      const badEmail = guestEmailError(normalized.email);
      if (badEmail) return payload(null, [badEmail]);
      customerId = await this.guests!.findGuest(normalized.email!);
    }
    // A replay answers first: the original input was valid, even if (say) a product was archived since.
    if (normalized.idempotencyKey && customerId) {
      const existing = await this.orders.findByIdempotencyKey(this.dataSource.manager, customerId, normalized.idempotencyKey);
      if (existing) return this.replay(existing, inputHash);
    }
    const errors = [...validateOrderInput(normalized), ...validateOrderLines(input.items)];
    if (errors.length > 0) return payload(null, errors);

    let lines: Line[];
    let cartCodes: string[] = [];
    const fromCart = normalized.lines === null;
    let cartOwner: CartOwner | null = null;
    if (normalized.lines) lines = normalized.lines;
    else {
      if (normalized.cartId != null) {
        if (!GUEST_CART_ID.test(normalized.cartId)) return refused(UserErrorCode.NOT_FOUND, 'No such cart', ['input', 'cartId']);
        cartOwner = { guestCartId: normalized.cartId };
      } else if (viewer) cartOwner = { userId: viewer.id };
      else return refused(UserErrorCode.INVALID_INPUT, 'A guest orders a guest cart (cartId) or items', ['input', 'cartId']);
      const stored = await this.carts.lines(cartOwner);
      if (!stored.exists) return refused(UserErrorCode.NOT_FOUND, 'No such cart', ['input', 'cartId']);
      lines = stored.lines;
      cartCodes = stored.promotionCodes;
      if (lines.length === 0) return refused(UserErrorCode.CART_EMPTY, 'The cart is empty: add products or pass items', ['input', 'items']);
    }
    // Errors point at the line as the client sent it (lines were merged and sorted since).
    const sentAt = (line: Line, index: number) =>
      fromCart ? index : (input.items ?? []).findIndex((l) => l.productId.trim() === line.productId && (l.variantId?.trim() || undefined) === line.variantId);
    // A line without a variant orders its product's default variant. For a product without
    // options that variant's id is the product's, so one lookup of every line's id finds it; only
    // lines whose product id names no variant (a product with options) ask for the product's
    // variants, and take its only active one (refused when it has several).
    let products = await this.replica.findByIds(lines.map(variantOf));
    const undecided = lines.filter((l) => !l.variantId && !products.has(l.productId));
    const sent = lines;
    if (undecided.length > 0) {
      const defaults = await this.replica.activeVariantsOf(undecided.map((l) => l.productId));
      const choiceErrors: UserError[] = [];
      lines = lines.map((line, i) => {
        if (line.variantId || products.has(line.productId)) return line;
        const choice = defaultVariantChoice(line.productId, defaults.get(line.productId) ?? [], [...(fromCart ? ['cart', 'items'] : ['input', 'items']), String(sentAt(line, i)), 'productId']);
        if ('error' in choice) choiceErrors.push(choice.error);
        return 'error' in choice ? line : { ...line, variantId: choice.variantId };
      });
      if (choiceErrors.length > 0) return payload(null, choiceErrors);
      products = await this.replica.findByIds(lines.map(variantOf));
    }
    const priced = priceLines(lines, products, fromCart ? ['cart', 'items'] : ['input', 'items'], (_line, i) => sentAt(sent[i], i));
    if (!priced.ok) return payload(null, priced.errors);
    // The guest customer record of the email (created on a guest's first valid order).
    if (!customerId) customerId = await this.guests!.guestFor(normalized.email!);
    // Discounts, shipping and tax: the same pure function as checkoutPreview (domain/checkout-pricing.ts).
    const quoted = this.checkout
      ? await this.checkout.quote({
          customerId,
          lines: priced.lines,
          currency: priced.currency,
          address: { country: normalized.shippingAddress.country, region: normalized.shippingAddress.region ?? null },
          shippingMethodId: normalized.shippingMethodId,
          // Default: the checked-out cart's codes.
          promotionCodes: input.promotionCodes ?? cartCodes,
        })
      : null;
    if (quoted && quoted.pricing.errors.length > 0) return payload(null, quoted.pricing.errors.map((e) => toUserError(e, ['input'])));
    if (quoted && input.expectedTotal != null && input.expectedTotal !== quoted.pricing.total) {
      return refused(UserErrorCode.CONFLICT, `The total is ${quoted.pricing.total} now, not the expected ${input.expectedTotal}`, ['input', 'expectedTotal']);
    }
    const guest = !viewer;
    const email = guest ? normalized.email : null;
    const token = guest ? newOrderToken() : null;

    const now = new Date();
    const orderId = randomUUID();
    const origin: EventOrigin = { source: SOURCE, correlationId: ctx.requestId };
    const reserveStock = this.saga.reserveStock(orderId, priced.lines.map((l) => ({ productId: l.productId, variantId: l.variantId, quantity: l.quantity })), origin);
    const created = await this.dataSource.transaction(async (manager) => {
      const inserted = await this.orders.insert(
        manager,
        {
          id: orderId,
          customerId: customerId!,
          idempotencyKey: normalized.idempotencyKey,
          inputHash,
          currency: priced.currency,
          subtotal: priced.subtotal,
          // No shipping or tax yet: the total is the subtotal.
          total: priced.subtotal,
          shippingAddress: normalized.shippingAddress,
          paymentToken: normalized.paymentToken,
          lines: priced.lines,
          deadlineAt: this.saga.deadlineFor('reservation', now),
          stepCommandId: reserveStock.id,
        },
        now,
      );
      if (!inserted) return null;
      // Promotion uses (atomic against their limits; a refusal rolls the order back) and the breakdown, total included.
      if (quoted) await this.checkout!.recordOnOrder(manager, orderId, customerId!, quoted.pricing, { email, guest, orderTokenHash: token?.hash ?? null });
      // A guest record linked to an account meanwhile (EmailVerified): the order goes with it.
      if (guest) await this.guests!.followLink(manager, orderId, customerId!);
      const order = (await this.orders.findById(orderId, manager))!;
      await enqueueEvents(manager, [
        reserveStock,
        await this.saga.statusChanged(manager, order, null, origin),
      ]);
      return order;
    }).catch((error: unknown) => {
      if (error instanceof PromotionRedemptionError) return error;
      throw error;
    });
    if (created instanceof PromotionRedemptionError) return refused(UserErrorCode.PROMOTION_INVALID, created.message, ['input', 'promotionCodes']);
    if (!created) {
      // A concurrent request with the same key won (we waited for its commit): answer with its order.
      const winner = await this.orders.findByIdempotencyKey(this.dataSource.manager, customerId!, normalized.idempotencyKey);
      if (!winner) throw new Error('idempotency key conflict without an order');
      return this.replay(winner, inputHash);
    }
    this.metrics.orderPlaced();
    // Only now that the order exists: a crash before this line keeps the cart for the retry.
    if (fromCart && cartOwner) await this.carts.checkedOut(cartOwner).catch((error: unknown) => ctx.log.warn({ err: error, orderId }, 'could not empty the checked-out cart'));
    const placed = payload(created);
    if (token) (placed as OrderPayload & { orderToken?: string | null }).orderToken = token.token;
    return placed;
  }

  /** A guest order by its token (anyone holding it); null for any other token, an unknown one included. */
  async orderByToken(token: string): Promise<Order | null> {
    if (!this.guests) return null;
    const id = await this.guests.orderIdByToken(token);
    const order = id ? await this.orders.findById(id) : null;
    return order ? toOrder(order) : null;
  }

  /** Cancels an order: its owner before it ships, or an ADMIN; compensations go out with the change. */
  async cancelOrder(ctx: RequestContext, id: string): Promise<OrderPayload> {
    const viewer = requireViewer(ctx);
    return this.act(ctx, id, (order) => {
      const owner = order.customerId === viewer.id;
      if (!owner && viewer.role !== 'ADMIN') throw forbidden('Only the customer who placed this order or an ADMIN may cancel it');
      return { type: 'CancelRequested', by: owner ? 'OWNER' : 'ADMIN' };
    });
  }

  /** ADMIN: CONFIRMED → SHIPPED. */
  async markShipped(ctx: RequestContext, id: string): Promise<OrderPayload> {
    requireAdmin(ctx);
    return this.act(ctx, id, () => ({ type: 'ShipRequested' }));
  }

  /** ADMIN: SHIPPED → DELIVERED. */
  async markDelivered(ctx: RequestContext, id: string): Promise<OrderPayload> {
    requireAdmin(ctx);
    return this.act(ctx, id, () => ({ type: 'DeliverRequested' }));
  }

  /** An order for its owner or an ADMIN (null when there is none; FORBIDDEN for anyone else). */
  async order(ctx: RequestContext, order: Order | null): Promise<Order | null> {
    const viewer = requireViewer(ctx);
    if (!order) return null;
    if (order.customerId !== viewer.id && viewer.role !== 'ADMIN') throw forbidden('Only the customer who placed this order or an ADMIN may see it');
    return order;
  }

  /** ADMIN: every order, newest first, optionally by status and customer. */
  async list(ctx: RequestContext, filter: OrderFilterArgs, first: number | null | undefined, after: string | null | undefined): Promise<OrderConnection> {
    requireAdmin(ctx);
    const size = pageSize(first);
    const cursor = parseOrderCursor(after);
    const [rows, totalCount] = await Promise.all([this.orders.page(filter, size, cursor), this.orders.count(filter)]);
    return Object.assign(new OrderConnection(), { ...connectionFrom(rows, size, orderCursor, toOrder, cursor !== null), totalCount });
  }

  /** Checks who may read `userId`'s orders (the user or an ADMIN) and validates the page arguments. */
  userOrdersArgs(ctx: RequestContext, userId: string, first: number | null | undefined, after: string | null | undefined): { first: number; after: string | null } {
    requireSelfOrAdmin(ctx, userId);
    const size = pageSize(first);
    parseOrderCursor(after);
    return { first: size, after: after ?? null };
  }

  /** Pages of several customers' orders with the same arguments (the User.orders batch). */
  async customerPages(customerIds: readonly string[], first: number, after: string | null): Promise<OrderConnection[]> {
    const cursor = parseOrderCursor(after);
    const { rows, counts } = await this.orders.pagesOfCustomers(customerIds, first, cursor);
    return customerIds.map((id) =>
      Object.assign(new OrderConnection(), { ...connectionFrom(rows.get(id) ?? [], first, orderCursor, toOrder, cursor !== null), totalCount: counts.get(id) ?? 0 }),
    );
  }

  private replay(existing: OrderEntity, inputHash: string): OrderPayload {
    if (existing.inputHash !== inputHash) {
      return refused(UserErrorCode.CONFLICT, 'This idempotencyKey was already used for a different order', ['input', 'idempotencyKey']);
    }
    return payload(existing);
  }

  /** Runs a person's request through the saga in a transaction (re-decided on a version race). */
  private async act(ctx: RequestContext, id: string, inputFor: (order: OrderEntity) => SagaInput): Promise<OrderPayload> {
    const origin: EventOrigin = { source: SOURCE, correlationId: ctx.requestId };
    const { result } = await this.saga.inTransaction(async (manager) => {
      const order = await this.orders.findById(id, manager);
      if (!order) return { change: null, result: refused(UserErrorCode.NOT_FOUND, 'No order with this id', ['id']) };
      const applied = await this.saga.apply(manager, order, inputFor(order), origin);
      const { rejection } = applied.decision;
      if (rejection) return { change: null, result: refused(UserErrorCode[rejection.code], rejection.message, ['id']) };
      return { change: applied.change, result: payload(applied.order) };
    });
    return result;
  }
}
