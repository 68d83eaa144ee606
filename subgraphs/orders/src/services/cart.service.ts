import { money, requireViewer, UserError, UserErrorCode, type RequestContext } from '@shopgraph/kit';
import type { CartStore, StoredCart } from '../stores/cart.store';
import type { ProductReplicaStore } from '../stores/product-replica.store';
import { Cart, CartItem, CartPayload } from '../types/cart.type';
import { productRef, variantRef } from '../types/product.type';
import { cartTotals, checkAvailable, checkQuantity, MAX_LINE_QUANTITY, MAX_LINES, variantOf } from '../domain/pricing';

const invalid = (message: string, field: string[]) => UserError.of(UserErrorCode.INVALID_INPUT, message, field);

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

/** Told when a write created a cart (its first line in an empty cart); must not throw. */
export interface CartCreatedListener {
  cartCreated(customerId: string, productId: string): Promise<void>;
}

/** The signed-in user's cart: Redis for the lines (one per variant), the replica for prices and availability. */
export class CartService {
  constructor(
    private readonly carts: CartStore,
    private readonly replica: ProductReplicaStore,
    private readonly defaultCurrency: string,
    private readonly listener?: CartCreatedListener,
  ) {}

  async cart(ctx: RequestContext): Promise<Cart> {
    const viewer = requireViewer(ctx);
    return this.view(await this.carts.get(viewer.id));
  }

  /** Adds units of a product's default variant (refused for a product with several variants). */
  async add(ctx: RequestContext, productId: string, quantity: number): Promise<CartPayload> {
    const viewer = requireViewer(ctx);
    const choice = await this.defaultVariant(productId, ['productId']);
    if ('error' in choice) return this.refused(viewer.id, choice.error);
    return this.addVariant(ctx, choice.variantId, quantity, null, 'productId');
  }

  /** Adds units of a variant (a new line or more of an existing one). `cartId` is for guest carts, which do not exist yet: it must be null. */
  async addVariant(ctx: RequestContext, variantId: string, quantity: number, cartId: string | null | undefined, field = 'variantId'): Promise<CartPayload> {
    const viewer = requireViewer(ctx);
    if (cartId != null) return this.refused(viewer.id, invalid('Only the signed-in user\'s own cart exists: leave cartId out', ['cartId']));
    const badQuantity = checkQuantity(quantity, ['quantity']);
    if (badQuantity) return this.refused(viewer.id, badQuantity);
    const current = await this.carts.get(viewer.id);
    const variants = await this.replica.findByIds([variantId, ...current.lines.map(variantOf)]);
    const unavailable = checkAvailable(variants.get(variantId), variantId, [field]);
    if (unavailable) return this.refused(viewer.id, unavailable);
    const cartCurrency = current.lines.map((l) => variants.get(variantOf(l))?.currency).find(Boolean);
    const currency = variants.get(variantId)!.currency;
    if (cartCurrency && cartCurrency !== currency) {
      return this.refused(viewer.id, invalid(`This cart is in ${cartCurrency}; the product is priced in ${currency}`, [field]));
    }
    const outcome = await this.carts.add(viewer.id, variantId, quantity);
    if (!outcome.ok) {
      const message =
        outcome.reason === 'LINE_TOO_LARGE'
          ? `A cart holds at most ${MAX_LINE_QUANTITY} of one product (it has ${outcome.current})`
          : `A cart holds at most ${MAX_LINES} different products`;
      return this.refused(viewer.id, invalid(message, ['quantity']));
    }
    if (outcome.created) await this.listener?.cartCreated(viewer.id, variants.get(variantId)!.productId);
    return this.ok(viewer.id);
  }

  /** Sets the quantity of a product's default variant's line; 0 removes the line. */
  async update(ctx: RequestContext, productId: string, quantity: number): Promise<CartPayload> {
    const viewer = requireViewer(ctx);
    const choice = await this.defaultVariant(productId, ['productId']);
    if ('error' in choice) return this.refused(viewer.id, choice.error);
    return this.updateLine(ctx, choice.variantId, quantity, null, 'productId');
  }

  /** Sets a line's quantity (the line's id is its variant's); 0 removes the line. */
  async updateLine(ctx: RequestContext, lineId: string, quantity: number, cartId: string | null | undefined, field = 'lineId'): Promise<CartPayload> {
    const viewer = requireViewer(ctx);
    if (cartId != null) return this.refused(viewer.id, invalid('Only the signed-in user\'s own cart exists: leave cartId out', ['cartId']));
    const badQuantity = checkQuantity(quantity, ['quantity'], true);
    if (badQuantity) return this.refused(viewer.id, badQuantity);
    let productId = lineId;
    if (quantity > 0) {
      const variants = await this.replica.findByIds([lineId]);
      const unavailable = checkAvailable(variants.get(lineId), lineId, [field]);
      if (unavailable) return this.refused(viewer.id, unavailable);
      productId = variants.get(lineId)!.productId;
    }
    const outcome = await this.carts.set(viewer.id, lineId, quantity);
    if (!outcome.ok) return this.refused(viewer.id, invalid(`A cart holds at most ${MAX_LINES} different products`, [field]));
    if (outcome.created) await this.listener?.cartCreated(viewer.id, productId);
    return this.ok(viewer.id);
  }

  /** Removes a product's line (its default variant's; nothing happens when it is not in the cart). */
  async remove(ctx: RequestContext, productId: string): Promise<CartPayload> {
    const viewer = requireViewer(ctx);
    const choice = await this.defaultVariant(productId, ['productId']);
    if ('error' in choice) return this.refused(viewer.id, choice.error);
    await this.carts.set(viewer.id, choice.variantId, 0);
    return this.ok(viewer.id);
  }

  async clear(ctx: RequestContext): Promise<CartPayload> {
    const viewer = requireViewer(ctx);
    await this.carts.clear(viewer.id);
    return this.ok(viewer.id);
  }

  /** The cart's lines as stored (for checkout). */
  lines(userId: string): Promise<StoredCart> {
    return this.carts.get(userId);
  }

  /** Empties the cart after its checkout committed. */
  async checkedOut(userId: string): Promise<void> {
    await this.carts.clear(userId);
  }

  private async defaultVariant(productId: string, field: string[]): Promise<{ variantId: string } | { error: UserError }> {
    return defaultVariantChoice(productId, (await this.replica.activeVariantsOf([productId])).get(productId) ?? [], field);
  }

  private async view(stored: StoredCart): Promise<Cart> {
    const variants = await this.replica.findByIds(stored.lines.map(variantOf));
    const totals = cartTotals(stored.lines, variants, this.defaultCurrency);
    return Object.assign(new Cart(), {
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
      updatedAt: stored.updatedAt,
    });
  }

  private async ok(userId: string): Promise<CartPayload> {
    return Object.assign(new CartPayload(), { cart: await this.view(await this.carts.get(userId)), errors: [] });
  }

  private async refused(userId: string, error: UserError): Promise<CartPayload> {
    return Object.assign(new CartPayload(), { cart: await this.view(await this.carts.get(userId)), errors: [error] });
  }
}
