import { money, requireViewer, UserError, UserErrorCode, type RequestContext } from '@shopgraph/kit';
import { GUEST_CART_ID, type CartOwner, type CartStore, type CartWriteOutcome, type StoredCart } from '../stores/cart.store';
import type { ProductReplicaStore } from '../stores/product-replica.store';
import { Cart, CartItem, CartPayload } from '../types/cart.type';
import { productRef, variantRef } from '../types/product.type';
import { cartTotals, checkAvailable, checkQuantity, MAX_LINE_QUANTITY, MAX_LINES, variantOf, type ReplicaProduct } from '../domain/pricing';

const invalid = (message: string, field: string[]) => UserError.of(UserErrorCode.INVALID_INPUT, message, field);
const noSuchCart = () => UserError.of(UserErrorCode.NOT_FOUND, 'No such cart (a guest cart expires after 30 days untouched): leave cartId out to start a new one', ['cartId']);

/** The most promotion codes a cart holds. */
export const MAX_CART_CODES = 10;

/**
 * The variant a product-based request (addToCart, updateCartItem, removeFromCart, an order line
 * without variantId) means: the product's only active variant (for a product without options,
 * the one whose id is the product's). A product with several active variants is INVALID_INPUT
 * naming the options to choose; one the replica does not know is left to the availability check.
 */
export function defaultVariantChoice(productId: string, variants: { variantId: string; options: { name: string; value: string }[] }[], field: string[]): { variantId: string } | { error: UserError } {
  if (variants.length <= 1) return { variantId: variants[0]?.variantId ?? productId };
  const names = [...new Set(variants.flatMap((v) => v.options.map((o) => o.name)))];
  return { error: invalid(`Product ${productId} comes in ${variants.length} variants: choose one by ${names.join(', ')} (pass its variantId)`, field) };
}

/** Told when a write created a signed-in user's cart (its first line in an empty cart); must not throw. */
export interface CartCreatedListener {
  cartCreated(customerId: string, productId: string): Promise<void>;
}

/** Whether a promotion code can be put on a cart (null) or why not (PROMOTION_INVALID). */
export type PromotionCodeCheck = (code: string) => Promise<UserError | null>;

/** The cart a request acts on: a signed-in user's, or a guest cart named by its id. */
export interface CartTarget {
  owner: CartOwner;
  /** Cart.id: the user's id for a user's cart, the unguessable token for a guest cart. */
  cartId: string;
  userId: string | null;
}

/**
 * Carts: Redis for the lines (one per variant) and codes, the replica for prices and availability.
 * A request with `cartId` acts on that guest cart (whoever holds the id); without it, on the
 * signed-in user's cart; an anonymous mutation without `cartId` starts a new guest cart.
 */
export class CartService {
  /** Set by the server once checkout exists (applyPromotionCode checks codes with it). */
  codeCheck?: PromotionCodeCheck;

  constructor(
    private readonly carts: CartStore,
    private readonly replica: ProductReplicaStore,
    private readonly defaultCurrency: string,
    private readonly listener?: CartCreatedListener,
  ) {}

  /** The signed-in user's cart. */
  async cart(ctx: RequestContext): Promise<Cart> {
    const viewer = requireViewer(ctx);
    return this.view(this.userTarget(viewer.id), await this.carts.get({ userId: viewer.id }));
  }

  /** A guest cart by its id; null when there is none (never created, expired, or not an id). */
  async guestCart(cartId: string): Promise<Cart | null> {
    if (!GUEST_CART_ID.test(cartId)) return null;
    const target = this.guestTarget(cartId);
    const stored = await this.carts.get(target.owner);
    return stored.exists ? this.view(target, stored) : null;
  }

  /** Which cart a request means (see the class); a guest cart is created for an anonymous mutation without cartId. */
  async target(ctx: RequestContext, cartId: string | null | undefined, create: boolean): Promise<CartTarget | { error: UserError; cartId: string }> {
    if (cartId != null) return GUEST_CART_ID.test(cartId) ? this.guestTarget(cartId) : { error: noSuchCart(), cartId };
    if (ctx.viewer) return this.userTarget(ctx.viewer.id);
    if (!create) requireViewer(ctx);
    return this.guestTarget(await this.carts.createGuest());
  }

  /** Adds units of a product's default variant (refused for a product with several variants). */
  async add(ctx: RequestContext, productId: string, quantity: number, cartId?: string | null): Promise<CartPayload> {
    return this.addLine(ctx, cartId, quantity, 'productId', [], [productId], (found) => defaultVariantChoice(productId, found.activeOf.get(productId) ?? [], ['productId']));
  }

  /** Adds units of a variant (a new line or more of an existing one). */
  async addVariant(ctx: RequestContext, variantId: string, quantity: number, cartId: string | null | undefined, field = 'variantId'): Promise<CartPayload> {
    return this.addLine(ctx, cartId, quantity, field, [variantId], [], () => ({ variantId }));
  }

  /** Sets the quantity of a product's default variant's line; 0 removes the line. */
  async update(ctx: RequestContext, productId: string, quantity: number, cartId?: string | null): Promise<CartPayload> {
    const target = await this.target(ctx, cartId, true);
    if ('error' in target) return this.missing(target.cartId, target.error);
    const found = await this.replica.lookup([], [productId]);
    const choice = defaultVariantChoice(productId, found.activeOf.get(productId) ?? [], ['productId']);
    if ('error' in choice) return this.refused(target, choice.error);
    return this.setLine(target, choice.variantId, quantity, 'productId');
  }

  /** Sets a line's quantity (the line's id is its variant's); 0 removes the line. */
  async updateLine(ctx: RequestContext, lineId: string, quantity: number, cartId: string | null | undefined, field = 'lineId'): Promise<CartPayload> {
    const target = await this.target(ctx, cartId, true);
    if ('error' in target) return this.missing(target.cartId, target.error);
    return this.setLine(target, lineId, quantity, field);
  }

  /** Removes a product's line (its default variant's; nothing happens when it is not in the cart). */
  async remove(ctx: RequestContext, productId: string, cartId?: string | null): Promise<CartPayload> {
    const target = await this.target(ctx, cartId, true);
    if ('error' in target) return this.missing(target.cartId, target.error);
    const found = await this.replica.lookup([], [productId]);
    const choice = defaultVariantChoice(productId, found.activeOf.get(productId) ?? [], ['productId']);
    if ('error' in choice) return this.refused(target, choice.error);
    const outcome = await this.carts.set(target.owner, choice.variantId, 0);
    if (!outcome.ok && outcome.reason === 'NO_SUCH_CART') return this.missing(target.cartId, noSuchCart());
    return this.ok(target);
  }

  async clear(ctx: RequestContext, cartId?: string | null): Promise<CartPayload> {
    const target = await this.target(ctx, cartId, true);
    if ('error' in target) return this.missing(target.cartId, target.error);
    if (!(await this.carts.get(target.owner)).exists) return this.missing(target.cartId, noSuchCart());
    await this.carts.clear(target.owner);
    return this.ok(target);
  }

  /**
   * Signed in: moves a guest cart's lines and codes into the user's cart (quantities add up,
   * capped at 99 per line; lines past the cart's line limit stay out, reported as INVALID_INPUT)
   * and deletes the guest cart.
   */
  async merge(ctx: RequestContext, cartId: string): Promise<CartPayload> {
    const viewer = requireViewer(ctx);
    const target = this.userTarget(viewer.id);
    if (!GUEST_CART_ID.test(cartId)) return this.refused(target, noSuchCart());
    const result = await this.carts.merge(cartId, viewer.id);
    if (!result) return this.refused(target, noSuchCart());
    const payload = await this.ok(target);
    if (result.created && payload.cart.items[0]) await this.listener?.cartCreated(viewer.id, payload.cart.items[0].product.id);
    if (result.leftOut > 0) {
      payload.errors.push(invalid(`${result.leftOut} line${result.leftOut === 1 ? '' : 's'} of the guest cart did not fit: a cart holds at most ${MAX_LINES} different products`, ['cartId']));
    }
    return payload;
  }

  /** Puts a promotion code on the cart (PROMOTION_INVALID when no such code is valid now); checkout uses the cart's codes by default. */
  async applyCode(ctx: RequestContext, code: string, cartId: string | null | undefined): Promise<CartPayload> {
    const target = await this.target(ctx, cartId, true);
    if ('error' in target) return this.missing(target.cartId, target.error);
    const normalized = code.trim().toUpperCase();
    if (!/^[A-Z0-9_-]{3,32}$/.test(normalized)) {
      return this.refused(target, UserError.of(UserErrorCode.PROMOTION_INVALID, `Code ${code.trim()} is not a valid promotion code`, ['code']));
    }
    const stored = await this.carts.get(target.owner);
    if (!stored.exists) return this.missing(target.cartId, noSuchCart());
    if (stored.promotionCodes.includes(normalized)) return this.ok(target, stored);
    if (stored.promotionCodes.length >= MAX_CART_CODES) return this.refused(target, invalid(`A cart holds at most ${MAX_CART_CODES} promotion codes`, ['code']), stored);
    const problem = this.codeCheck ? await this.codeCheck(normalized) : null;
    if (problem) return this.refused(target, UserError.of(problem.code as UserErrorCode, problem.message, ['code']), stored);
    if (!(await this.carts.setCodes(target.owner, [...stored.promotionCodes, normalized]))) return this.missing(target.cartId, noSuchCart());
    return this.ok(target);
  }

  /** Takes a code off the cart (a no-op when it is not there). */
  async removeCode(ctx: RequestContext, code: string, cartId: string | null | undefined): Promise<CartPayload> {
    const target = await this.target(ctx, cartId, true);
    if ('error' in target) return this.missing(target.cartId, target.error);
    const normalized = code.trim().toUpperCase();
    const stored = await this.carts.get(target.owner);
    if (!stored.exists) return this.missing(target.cartId, noSuchCart());
    if (!stored.promotionCodes.includes(normalized)) return this.ok(target, stored);
    if (!(await this.carts.setCodes(target.owner, stored.promotionCodes.filter((c) => c !== normalized)))) return this.missing(target.cartId, noSuchCart());
    return this.ok(target);
  }

  /** The cart's lines and codes as stored (for checkout). */
  lines(owner: CartOwner | string): Promise<StoredCart> {
    return this.carts.get(owner);
  }

  /** Empties the cart after its checkout committed (a guest cart is forgotten). */
  async checkedOut(owner: CartOwner | string): Promise<void> {
    if (typeof owner !== 'string' && 'guestCartId' in owner) await this.carts.delete(owner);
    else await this.carts.clear(owner);
  }

  private userTarget(userId: string): CartTarget {
    return { owner: { userId }, cartId: userId, userId };
  }

  private guestTarget(cartId: string): CartTarget {
    return { owner: { guestCartId: cartId }, cartId, userId: null };
  }

  /**
   * A new line or more of one: the replica is read once, for the variant (or the product's
   * variants, to choose its default) and the cart's lines (its currency), and reused for the answer.
   */
  private async addLine(
    ctx: RequestContext,
    cartId: string | null | undefined,
    quantity: number,
    field: string,
    variantIds: string[],
    productIds: string[],
    choose: (found: Awaited<ReturnType<ProductReplicaStore['lookup']>>) => { variantId: string } | { error: UserError },
  ): Promise<CartPayload> {
    const target = await this.target(ctx, cartId, true);
    if ('error' in target) return this.missing(target.cartId, target.error);
    const badQuantity = checkQuantity(quantity, ['quantity']);
    if (badQuantity) return this.refused(target, badQuantity);
    const current = await this.carts.get(target.owner);
    if (!current.exists) return this.missing(target.cartId, noSuchCart());
    const found = await this.replica.lookup([...variantIds, ...productIds, ...current.lines.map(variantOf)], productIds);
    const choice = choose(found);
    if ('error' in choice) return this.refused(target, choice.error, current, found.variants);
    const { variantId } = choice;
    const variant = found.variants.get(variantId);
    const unavailable = checkAvailable(variant, variantId, [field]);
    if (unavailable) return this.refused(target, unavailable, current, found.variants);
    const cartCurrency = current.lines.map((l) => found.variants.get(variantOf(l))?.currency).find(Boolean);
    if (cartCurrency && cartCurrency !== variant!.currency) {
      return this.refused(target, invalid(`This cart is in ${cartCurrency}; the product is priced in ${variant!.currency}`, [field]), current, found.variants);
    }
    const outcome = await this.carts.add(target.owner, variantId, quantity);
    if (!outcome.ok) return this.writeRefused(target, outcome, field, found.variants);
    if (outcome.created && target.userId) await this.listener?.cartCreated(target.userId, variant!.productId);
    return this.ok(target, undefined, found.variants);
  }

  private async setLine(target: CartTarget, lineId: string, quantity: number, field: string): Promise<CartPayload> {
    const badQuantity = checkQuantity(quantity, ['quantity'], true);
    if (badQuantity) return this.refused(target, badQuantity);
    let productId = lineId;
    let known: Map<string, ReplicaProduct> | undefined;
    if (quantity > 0) {
      known = await this.replica.findByIds([lineId]);
      const unavailable = checkAvailable(known.get(lineId), lineId, [field]);
      if (unavailable) return this.refused(target, unavailable);
      productId = known.get(lineId)!.productId;
    }
    const outcome = await this.carts.set(target.owner, lineId, quantity);
    if (!outcome.ok) return this.writeRefused(target, outcome, field, known);
    if (outcome.created && target.userId) await this.listener?.cartCreated(target.userId, productId);
    return this.ok(target, undefined, known);
  }

  private writeRefused(target: CartTarget, outcome: Exclude<CartWriteOutcome, { ok: true }>, field: string, known?: Map<string, ReplicaProduct>): Promise<CartPayload> {
    if (outcome.reason === 'NO_SUCH_CART') return Promise.resolve(this.missing(target.cartId, noSuchCart()));
    const message =
      outcome.reason === 'LINE_TOO_LARGE'
        ? `A cart holds at most ${MAX_LINE_QUANTITY} of one product (it has ${outcome.current})`
        : `A cart holds at most ${MAX_LINES} different products`;
    return this.refused(target, invalid(message, [outcome.reason === 'LINE_TOO_LARGE' ? 'quantity' : field]), undefined, known);
  }

  /** The cart as shown; `known` variants (already read by this request) are not read again. */
  private async view(target: CartTarget, stored: StoredCart, known?: Map<string, ReplicaProduct>): Promise<Cart> {
    const ids = stored.lines.map(variantOf);
    const missing = ids.filter((id) => !known?.has(id));
    const variants = new Map(known ?? []);
    if (missing.length > 0) for (const [id, v] of await this.replica.findByIds(missing)) variants.set(id, v);
    const totals = cartTotals(stored.lines, variants, this.defaultCurrency);
    return Object.assign(new Cart(), {
      id: target.cartId,
      items: totals.lines.map((line) =>
        Object.assign(new CartItem(), {
          id: variantOf(line),
          product: productRef(line.productId),
          variant: variantRef(variantOf(line)),
          quantity: line.quantity,
          unitPrice: money(line.unitPrice, line.currency),
          lineTotal: money(line.lineTotal, line.currency),
        }),
      ),
      itemCount: totals.itemCount,
      subtotal: money(totals.subtotal, totals.currency),
      promotionCodes: stored.promotionCodes,
      updatedAt: stored.updatedAt,
    });
  }

  private async ok(target: CartTarget, stored?: StoredCart, known?: Map<string, ReplicaProduct>): Promise<CartPayload> {
    return Object.assign(new CartPayload(), { cart: await this.view(target, stored ?? (await this.carts.get(target.owner)), known), errors: [] });
  }

  private async refused(target: CartTarget, error: UserError, stored?: StoredCart, known?: Map<string, ReplicaProduct>): Promise<CartPayload> {
    return Object.assign(new CartPayload(), { cart: await this.view(target, stored ?? (await this.carts.get(target.owner)), known), errors: [error] });
  }

  /** The answer for a cartId that names no cart: an empty cart under that id, and the error. */
  private missing(cartId: string, error: UserError): CartPayload {
    const cart = Object.assign(new Cart(), { id: cartId, items: [], itemCount: 0, subtotal: money(0, this.defaultCurrency), promotionCodes: [], updatedAt: null });
    return Object.assign(new CartPayload(), { cart, errors: [error] });
  }
}
