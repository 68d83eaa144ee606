import type { DataSource, EntityManager } from 'typeorm';
import { money, requireAdmin, requireViewer, UserError, UserErrorCode, type RequestContext } from '@shopgraph/kit';
import { priceCheckout, type CheckoutPricing, type PricingAddress, type PricingLine, type PromotionRule } from '../domain/checkout-pricing';
import type { CheckoutStore, PromotionFields, StoredPromotion } from '../stores/checkout.store';
import { isUuid } from '../stores/sql';
import {
  CheckoutPreview,
  PromotionKind,
  shippingMethodRef,
  type CheckoutPreviewInput,
  type Discount,
  type Promotion,
  type PromotionConnection,
  type PromotionInput,
  type PromotionPayload,
  type ShippingQuote,
  type TaxLine,
  type TaxRate,
  type TaxRateInput,
  type TaxRatePayload,
} from '../types/checkout.type';
import { productRef, variantRef } from '../types/product.type';
import { GUEST_CART_ID, type CartOwner } from '../stores/cart.store';
import { priceLines, variantOf, type Line, type ReplicaProduct } from '../domain/pricing';

/** A line priced from the replica (product or variant: the pricing does not care which). */
export interface CheckoutLineSource {
  productId: string;
  variantId?: string;
  quantity: number;
  unitPrice: number;
  /** The product's category slugs (the replica's): which category-limited promotions apply to the line. */
  categorySlugs?: string[];
}

export interface QuoteArgs {
  customerId: string | null;
  lines: CheckoutLineSource[];
  currency: string;
  address: PricingAddress | null;
  shippingMethodId: string | null;
  promotionCodes: string[];
}

/** What an order stores of its price computation (read back by Order's breakdown fields). */
export interface OrderBreakdown {
  currency: string;
  discountTotal: number;
  shippingTotal: number;
  taxTotal: number;
  pricesIncludeTax: boolean;
  discounts: { promotionId: string; code: string | null; kind: string; description: string; amount: number }[];
  taxLines: { taxRateId: string; name: string; rateBasisPoints: number; taxable: number; amount: number }[];
  shippingMethod: { methodId: string; name: string; carrier: string | null; price: number } | null;
  email: string | null;
  guest: boolean;
}

const keyOf = (l: CheckoutLineSource) => l.variantId ?? l.productId;
const invalid = (message: string, field: string[]) => UserError.of(UserErrorCode.INVALID_INPUT, message, field);

export const toUserError = (e: { code: string; message: string; field: string[] }, prefix: string[] = []): UserError =>
  UserError.of(e.code as UserErrorCode, e.message, [...prefix, ...e.field]);

export function toPromotion(p: StoredPromotion | PromotionRule, currency: string): Promotion {
  return {
    id: p.id,
    name: p.name,
    code: p.code,
    kind: p.kind as PromotionKind,
    value: p.value,
    minSubtotal: p.minSubtotal == null ? null : money(p.minSubtotal, currency),
    categorySlugs: p.categorySlugs,
    startsAt: p.startsAt ?? null,
    endsAt: p.endsAt ?? null,
    usageLimit: p.usageLimit ?? null,
    perCustomerLimit: p.perCustomerLimit ?? null,
    usageCount: p.usageCount,
    active: p.active,
  };
}

/**
 * Checkout: gathers what the pure pricing function needs (promotions, the customer's uses, the
 * shipping replica, tax rates, the shop's prices-include-tax setting) and records an order's
 * breakdown and promotion uses inside the order's transaction. Also the ADMIN side of tax rates
 * and promotions.
 */
export class CheckoutService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: CheckoutStore,
    private readonly settings: { pricesIncludeTax: boolean; defaultCurrency: string },
    private readonly cart: (owner: CartOwner) => Promise<CartSourceResult>,
  ) {}

  /** Whether a code can go on a cart now: null, or PROMOTION_INVALID saying why (the cart-dependent conditions are checked at checkout). */
  async codeProblem(code: string, now = new Date()): Promise<UserError | null> {
    const normalized = code.trim().toUpperCase();
    const p = (await this.store.promotionsForPricing([normalized])).find((x) => x.code != null && x.code.toUpperCase() === normalized);
    const refuse = (why: string) => UserError.of(UserErrorCode.PROMOTION_INVALID, why, ['code']);
    if (!p) return refuse(`Code ${code.trim()} is not a valid promotion code`);
    if (p.startsAt && now.getTime() < p.startsAt.getTime()) return refuse(`Code ${p.code} is not valid before ${p.startsAt.toISOString()}`);
    if (p.endsAt && now.getTime() >= p.endsAt.getTime()) return refuse(`Code ${p.code} expired at ${p.endsAt.toISOString()}`);
    if (p.usageLimit != null && p.usageCount >= p.usageLimit) return refuse(`Code ${p.code} has been used up`);
    return null;
  }

  /** The one price computation for lines already priced from the replica. */
  async quote(args: QuoteArgs, now = new Date()): Promise<{ pricing: CheckoutPricing; promotions: PromotionRule[] }> {
    const [promotions, shippingMethods, taxRates] = await Promise.all([this.store.promotionsForPricing(args.promotionCodes), this.store.shippingMethods(), this.store.taxRates()]);
    const customerUses = args.customerId ? await this.store.customerUses(args.customerId, promotions.filter((p) => p.perCustomerLimit != null).map((p) => p.id)) : new Map<string, number>();
    const lines: PricingLine[] = args.lines.map((l) => ({ key: keyOf(l), productId: l.productId, variantId: l.variantId, quantity: l.quantity, unitPrice: l.unitPrice, categorySlugs: l.categorySlugs ?? [] }));
    const pricing = priceCheckout({
      lines,
      currency: args.currency,
      address: args.address,
      shippingMethods,
      shippingMethodId: args.shippingMethodId,
      promotionCodes: args.promotionCodes,
      promotions,
      customerUses,
      taxRates,
      pricesIncludeTax: this.settings.pricesIncludeTax,
      now,
    });
    return { pricing, promotions };
  }

  /**
   * Inside placeOrder's transaction, after the order and its lines were inserted: takes the
   * promotion uses (throws PromotionRedemptionError when one ran out meanwhile — the caller rolls
   * back) and stores the breakdown and the total the payment will charge.
   */
  async recordOnOrder(
    manager: EntityManager,
    orderId: string,
    customerId: string,
    pricing: CheckoutPricing,
    /** email: the guest's (null when signed in: the account's is taken from the users.v1 replica). */
    contact: { email: string | null; guest: boolean; orderTokenHash?: string | null },
  ): Promise<void> {
    await this.store.redeem(
      manager,
      orderId,
      customerId,
      pricing.discounts.map((d) => ({ id: d.promotionId, code: d.code })),
    );
    const breakdown: Omit<OrderBreakdown, 'currency' | 'email' | 'guest'> = {
      discountTotal: pricing.discountTotal,
      shippingTotal: pricing.shipping?.price ?? 0,
      taxTotal: pricing.taxTotal,
      pricesIncludeTax: pricing.pricesIncludeTax,
      discounts: pricing.discounts.map(({ promotionId, code, kind, description, amount }) => ({ promotionId, code, kind, description, amount })),
      taxLines: pricing.taxLines,
      shippingMethod: pricing.shipping ? { methodId: pricing.shipping.methodId, name: pricing.shipping.name, carrier: pricing.shipping.carrier, price: pricing.shipping.price } : null,
    };
    await manager.query(
      `UPDATE orders SET total = $2, discount_total = $3, shipping_total = $4, tax_total = $5, prices_include_tax = $6, discounts = $7::jsonb,
              tax_lines = $8::jsonb, shipping_method = $9::jsonb, guest = $11, order_token_hash = $12,
              -- a signed-in customer's: the account's email as orders' users.v1 replica knows it now (in this statement: no extra round trip)
              email = coalesce($10, (SELECT email FROM customer_emails WHERE customer_id = $13)) WHERE id = $1`,
      [
        orderId,
        pricing.total,
        breakdown.discountTotal,
        breakdown.shippingTotal,
        breakdown.taxTotal,
        breakdown.pricesIncludeTax,
        JSON.stringify(breakdown.discounts),
        JSON.stringify(breakdown.taxLines),
        breakdown.shippingMethod ? JSON.stringify(breakdown.shippingMethod) : null,
        contact.email,
        contact.guest,
        contact.orderTokenHash ?? null,
        customerId,
      ],
    );
    // Lines were inserted in pricing order (position = index).
    for (const [position, line] of pricing.lines.entries()) {
      if (line.discount !== 0 || line.tax !== 0) {
        await manager.query('UPDATE order_items SET discount = $3, tax = $4 WHERE order_id = $1 AND position = $2', [orderId, position, line.discount, line.tax]);
      }
    }
  }

  /** A cancelled order gives its promotion uses back (once, however often applied). */
  releaseFor(manager: EntityManager, orderId: string): Promise<string[]> {
    return this.store.release(manager, orderId);
  }

  /** The stored breakdowns of these orders (by id). */
  async breakdowns(orderIds: readonly string[]): Promise<Map<string, OrderBreakdown>> {
    const ids = orderIds.filter(isUuid);
    if (ids.length === 0) return new Map();
    const rows: any[] = await this.dataSource.query(
      'SELECT id, currency, discount_total, shipping_total, tax_total, prices_include_tax, discounts, tax_lines, shipping_method, email, guest FROM orders WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(
      rows.map((r) => [
        r.id,
        {
          currency: String(r.currency).trim(),
          discountTotal: r.discount_total,
          shippingTotal: r.shipping_total,
          taxTotal: r.tax_total,
          pricesIncludeTax: r.prices_include_tax,
          discounts: r.discounts,
          taxLines: r.tax_lines,
          shippingMethod: r.shipping_method,
          email: r.email,
          guest: r.guest,
        },
      ]),
    );
  }

  async promotionsById(ids: string[]): Promise<Map<string, StoredPromotion>> {
    const found = await Promise.all([...new Set(ids)].map((id) => this.store.promotion(id)));
    return new Map(found.filter((p): p is StoredPromotion => p !== null).map((p) => [p.id, p]));
  }

  // ── the preview ──
  /** Money objects for a pricing result (shared by the preview and tests). */
  async previewOf(pricing: CheckoutPricing, promotions: PromotionRule[], lines: CheckoutLineSource[], errors: UserError[] = []): Promise<CheckoutPreview> {
    const m = (amount: number) => money(amount, pricing.currency);
    const byId = new Map(promotions.map((p) => [p.id, p]));
    const quote = (q: NonNullable<CheckoutPricing['shipping']>): ShippingQuote => ({ method: shippingMethodRef(q.methodId), price: m(q.price), estimatedDelivery: q.estimatedDelivery });
    return Object.assign(new CheckoutPreview(), {
      lines: pricing.lines.map((l, i) => ({ product: productRef(lines[i].productId), variant: variantRef(lines[i].variantId ?? lines[i].productId), quantity: l.quantity, unitPrice: m(l.unitPrice), lineTotal: m(l.lineTotal), discount: m(l.discount) })),
      subtotal: m(pricing.subtotal),
      discounts: pricing.discounts.map<Discount>((d) => ({ promotion: toPromotion(byId.get(d.promotionId)!, pricing.currency), code: d.code, description: d.description, amount: m(d.amount) })),
      discountTotal: m(pricing.discountTotal),
      shippingOptions: pricing.shippingOptions.map(quote),
      shipping: pricing.shipping ? quote(pricing.shipping) : null,
      taxLines: pricing.taxLines.map<TaxLine>((t) => ({ name: t.name, rateBasisPoints: t.rateBasisPoints, taxable: m(t.taxable), amount: m(t.amount) })),
      taxTotal: m(pricing.taxTotal),
      total: m(pricing.total),
      pricesIncludeTax: pricing.pricesIncludeTax,
      errors: [...errors, ...pricing.errors.map((e) => toUserError(e, ['input']))],
    });
  }

  /**
   * The preview of a cart: the guest cart `cartId` (anyone holding its id), else the signed-in
   * user's. Codes default to the cart's; the customer's own promotion uses count when signed in.
   */
  async preview(ctx: RequestContext, input: CheckoutPreviewInput): Promise<CheckoutPreview> {
    let owner: CartOwner;
    if (input.cartId != null) {
      if (!GUEST_CART_ID.test(input.cartId)) return this.previewOf(emptyPricing(this.settings), [], [], [UserError.of(UserErrorCode.NOT_FOUND, 'No such cart', ['input', 'cartId'])]);
      owner = { guestCartId: input.cartId };
    } else owner = { userId: requireViewer(ctx).id };
    const { lines, currency, errors, promotionCodes, exists } = await this.cart(owner);
    if (!exists) return this.previewOf(emptyPricing(this.settings), [], [], [UserError.of(UserErrorCode.NOT_FOUND, 'No such cart', ['input', 'cartId'])]);
    const country = input.shippingAddress?.country?.trim();
    const address = country ? { country, region: input.shippingAddress?.region ?? null } : null;
    const { pricing, promotions } = await this.quote({
      customerId: ctx.viewer?.id ?? null,
      lines,
      currency,
      address,
      shippingMethodId: input.shippingMethodId ?? null,
      promotionCodes: input.promotionCodes ?? promotionCodes,
    });
    return this.previewOf(pricing, promotions, lines, errors);
  }

  // ── ADMIN: tax rates ──
  async taxRates(ctx: RequestContext): Promise<TaxRate[]> {
    requireAdmin(ctx);
    return this.store.taxRates();
  }

  async setTaxRate(ctx: RequestContext, input: TaxRateInput): Promise<TaxRatePayload> {
    requireAdmin(ctx);
    const errors: UserError[] = [];
    const name = input.name.trim();
    const country = input.country.trim().toUpperCase();
    const region = input.region?.trim() || null;
    if (name.length < 1 || name.length > 100) errors.push(invalid('name must be 1 to 100 characters', ['input', 'name']));
    if (!/^[A-Z]{2}$/.test(country)) errors.push(invalid('country must be an ISO-3166-1 alpha-2 code, e.g. "US"', ['input', 'country']));
    if (region && region.length > 50) errors.push(invalid('region must be at most 50 characters', ['input', 'region']));
    if (!Number.isInteger(input.rateBasisPoints) || input.rateBasisPoints < 0 || input.rateBasisPoints > 10000) {
      errors.push(invalid('rateBasisPoints must be between 0 and 10000 (725 = 7.25 %)', ['input', 'rateBasisPoints']));
    }
    if (errors.length > 0) return { taxRate: null, errors };
    const taxRate = await this.store.setTaxRate({ name, country, region, rateBasisPoints: input.rateBasisPoints, appliesToShipping: input.appliesToShipping ?? false });
    return { taxRate, errors: [] };
  }

  async removeTaxRate(ctx: RequestContext, id: string): Promise<TaxRatePayload> {
    requireAdmin(ctx);
    const removed = isUuid(id) ? await this.store.removeTaxRate(id) : null;
    return removed ? { taxRate: removed, errors: [] } : { taxRate: null, errors: [UserError.of(UserErrorCode.NOT_FOUND, 'No such tax rate', ['id'])] };
  }

  // ── ADMIN: promotions ──
  async promotions(ctx: RequestContext, first: number, after: string | null): Promise<PromotionConnection> {
    requireAdmin(ctx);
    const size = Math.min(Math.max(first, 0), 100);
    const page = await this.store.promotions(size, after && isUuid(after) ? after : null);
    const edges = page.nodes.map((p) => ({ cursor: p.id, node: toPromotion(p, this.settings.defaultCurrency) }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: after != null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: page.totalCount,
    };
  }

  async createPromotion(ctx: RequestContext, input: PromotionInput): Promise<PromotionPayload> {
    requireAdmin(ctx);
    const checked = validatePromotion(input);
    if ('errors' in checked) return { promotion: null, errors: checked.errors };
    try {
      return { promotion: toPromotion(await this.store.createPromotion(checked.fields), this.settings.defaultCurrency), errors: [] };
    } catch (error) {
      return duplicateCode(error);
    }
  }

  async updatePromotion(ctx: RequestContext, id: string, input: PromotionInput): Promise<PromotionPayload> {
    requireAdmin(ctx);
    const checked = validatePromotion(input);
    if ('errors' in checked) return { promotion: null, errors: checked.errors };
    try {
      const updated = isUuid(id) ? await this.store.updatePromotion(id, checked.fields) : null;
      return updated ? { promotion: toPromotion(updated, this.settings.defaultCurrency), errors: [] } : notFoundPromotion();
    } catch (error) {
      return duplicateCode(error);
    }
  }

  async archivePromotion(ctx: RequestContext, id: string): Promise<PromotionPayload> {
    requireAdmin(ctx);
    const archived = isUuid(id) ? await this.store.archivePromotion(id) : null;
    return archived ? { promotion: toPromotion(archived, this.settings.defaultCurrency), errors: [] } : notFoundPromotion();
  }
}

function emptyPricing(settings: { pricesIncludeTax: boolean; defaultCurrency: string }): CheckoutPricing {
  return priceCheckout({ lines: [], currency: settings.defaultCurrency, shippingMethods: [], promotionCodes: [], promotions: [], taxRates: [], pricesIncludeTax: settings.pricesIncludeTax, now: new Date() });
}

const notFoundPromotion = (): PromotionPayload => ({ promotion: null, errors: [UserError.of(UserErrorCode.NOT_FOUND, 'No such promotion', ['id'])] });

function duplicateCode(error: unknown): PromotionPayload {
  if ((error as { constraint?: string })?.constraint === 'promotions_code_idx' || /promotions_code_idx/.test(String((error as Error)?.message))) {
    return { promotion: null, errors: [UserError.of(UserErrorCode.ALREADY_EXISTS, 'An active promotion already has this code', ['input', 'code'])] };
  }
  throw error;
}

const optionalCount = (value: number | null | undefined, field: string, errors: UserError[]) => {
  if (value != null && (!Number.isInteger(value) || value < 1 || value > 1_000_000_000)) errors.push(invalid(`${field} must be a positive whole number`, ['input', field]));
};

/** Checks a PromotionInput; the fields to store, or INVALID_INPUT errors on their fields. */
export function validatePromotion(input: PromotionInput): { fields: PromotionFields } | { errors: UserError[] } {
  const errors: UserError[] = [];
  const name = input.name.trim();
  const code = input.code?.trim() || null;
  if (name.length < 1 || name.length > 100) errors.push(invalid('name must be 1 to 100 characters', ['input', 'name']));
  if (code && !/^[A-Za-z0-9_-]{3,32}$/.test(code)) errors.push(invalid('code must be 3 to 32 letters, digits, "-" or "_"', ['input', 'code']));
  if (!Number.isInteger(input.value) || input.value < 0) errors.push(invalid('value must be a whole number, 0 or more', ['input', 'value']));
  else if (input.kind === PromotionKind.PERCENTAGE && (input.value < 1 || input.value > 10000)) errors.push(invalid('a percentage is 1 to 10000 basis points (1000 = 10 %)', ['input', 'value']));
  else if (input.kind === PromotionKind.FIXED_AMOUNT && (input.value < 1 || input.value > 2_000_000_000)) errors.push(invalid('a fixed amount is 1 or more minor units', ['input', 'value']));
  if (input.minSubtotal != null && (!Number.isInteger(input.minSubtotal) || input.minSubtotal < 0 || input.minSubtotal > 2_000_000_000)) {
    errors.push(invalid('minSubtotal must be a whole number of minor units, 0 or more', ['input', 'minSubtotal']));
  }
  optionalCount(input.usageLimit, 'usageLimit', errors);
  optionalCount(input.perCustomerLimit, 'perCustomerLimit', errors);
  if (input.startsAt && input.endsAt && input.startsAt.getTime() >= input.endsAt.getTime()) errors.push(invalid('endsAt must be after startsAt', ['input', 'endsAt']));
  const categorySlugs = [...new Set((input.categorySlugs ?? []).map((s) => s.trim()).filter(Boolean))];
  if (categorySlugs.length > 50 || categorySlugs.some((s) => s.length > 100)) errors.push(invalid('at most 50 category slugs of at most 100 characters', ['input', 'categorySlugs']));
  if (errors.length > 0) return { errors };
  return {
    fields: {
      name,
      code,
      kind: input.kind,
      value: input.kind === PromotionKind.FREE_SHIPPING ? 0 : input.value,
      minSubtotal: input.minSubtotal ?? null,
      categorySlugs,
      startsAt: input.startsAt ?? null,
      endsAt: input.endsAt ?? null,
      usageLimit: input.usageLimit ?? null,
      perCustomerLimit: input.perCustomerLimit ?? null,
    },
  };
}


/** A cart priced from the replica, as the pricing function takes it (variant-aware: each line at its variant's price). */
export interface CartSourceResult {
  lines: CheckoutLineSource[];
  currency: string;
  errors: UserError[];
  /** The codes on the cart. */
  promotionCodes: string[];
  /** False for a guest cart that does not exist (never created, or expired). */
  exists: boolean;
}

/** A cart (a user's or a guest's) priced from the replica. */
export function cartSource(
  carts: { lines(owner: CartOwner): Promise<{ lines: Line[]; promotionCodes: string[]; exists: boolean }> },
  replica: { findByIds(ids: string[]): Promise<Map<string, ReplicaProduct>> },
  defaultCurrency: string,
): (owner: CartOwner) => Promise<CartSourceResult> {
  return async (owner) => {
    const { lines, promotionCodes, exists } = await carts.lines(owner);
    if (lines.length === 0) return { lines: [], currency: defaultCurrency, errors: [], promotionCodes, exists };
    const products = await replica.findByIds(lines.map(variantOf));
    const priced = priceLines(lines, products, ['cart', 'items']);
    if (!priced.ok) return { lines: [], currency: defaultCurrency, errors: priced.errors, promotionCodes, exists };
    return {
      lines: priced.lines.map((l) => ({ productId: l.productId, variantId: l.variantId, quantity: l.quantity, unitPrice: l.unitPrice, categorySlugs: l.categorySlugs })),
      currency: priced.currency,
      errors: [],
      promotionCodes,
      exists,
    };
  };
}
