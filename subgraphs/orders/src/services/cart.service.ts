import { money, requireViewer, UserError, UserErrorCode, type RequestContext } from '@shopgraph/kit';
import type { CartStore, StoredCart } from '../stores/cart.store';
import type { ProductReplicaStore } from '../stores/product-replica.store';
import { Cart, CartItem, CartPayload } from '../types/cart.type';
import { productRef } from '../types/product.type';
import { cartTotals, checkAvailable, checkQuantity, MAX_LINE_QUANTITY, MAX_LINES } from './pricing';

/** Told when a write created a cart (its first line in an empty cart); must not throw. */
export interface CartCreatedListener {
  cartCreated(customerId: string, productId: string): Promise<void>;
}

/** The signed-in user's cart: Redis for the lines, the product replica for prices and availability. */
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

  /** Adds units of a product (a new line or more of an existing one). */
  async add(ctx: RequestContext, productId: string, quantity: number): Promise<CartPayload> {
    const viewer = requireViewer(ctx);
    const badQuantity = checkQuantity(quantity, ['quantity']);
    if (badQuantity) return this.refused(viewer.id, badQuantity);
    const current = await this.carts.get(viewer.id);
    const products = await this.replica.findByIds([productId, ...current.lines.map((l) => l.productId)]);
    const unavailable = checkAvailable(products.get(productId), productId, ['productId']);
    if (unavailable) return this.refused(viewer.id, unavailable);
    const cartCurrency = current.lines.map((l) => products.get(l.productId)?.currency).find(Boolean);
    const currency = products.get(productId)!.currency;
    if (cartCurrency && cartCurrency !== currency) {
      return this.refused(viewer.id, UserError.of(UserErrorCode.INVALID_INPUT, `This cart is in ${cartCurrency}; the product is priced in ${currency}`, ['productId']));
    }
    const outcome = await this.carts.add(viewer.id, productId, quantity);
    if (!outcome.ok) {
      const message =
        outcome.reason === 'LINE_TOO_LARGE'
          ? `A cart holds at most ${MAX_LINE_QUANTITY} of one product (it has ${outcome.current})`
          : `A cart holds at most ${MAX_LINES} different products`;
      return this.refused(viewer.id, UserError.of(UserErrorCode.INVALID_INPUT, message, ['quantity']));
    }
    if (outcome.created) await this.listener?.cartCreated(viewer.id, productId);
    return this.ok(viewer.id);
  }

  /** Sets a line's quantity; 0 removes the line. */
  async update(ctx: RequestContext, productId: string, quantity: number): Promise<CartPayload> {
    const viewer = requireViewer(ctx);
    const badQuantity = checkQuantity(quantity, ['quantity'], true);
    if (badQuantity) return this.refused(viewer.id, badQuantity);
    if (quantity > 0) {
      const products = await this.replica.findByIds([productId]);
      const unavailable = checkAvailable(products.get(productId), productId, ['productId']);
      if (unavailable) return this.refused(viewer.id, unavailable);
    }
    const outcome = await this.carts.set(viewer.id, productId, quantity);
    if (!outcome.ok) return this.refused(viewer.id, UserError.of(UserErrorCode.INVALID_INPUT, `A cart holds at most ${MAX_LINES} different products`, ['productId']));
    if (outcome.created) await this.listener?.cartCreated(viewer.id, productId);
    return this.ok(viewer.id);
  }

  /** Removes a product's line (nothing happens when it is not in the cart). */
  async remove(ctx: RequestContext, productId: string): Promise<CartPayload> {
    const viewer = requireViewer(ctx);
    await this.carts.set(viewer.id, productId, 0);
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

  private async view(stored: StoredCart): Promise<Cart> {
    const products = await this.replica.findByIds(stored.lines.map((l) => l.productId));
    const totals = cartTotals(stored.lines, products, this.defaultCurrency);
    return Object.assign(new Cart(), {
      items: totals.lines.map((line) =>
        Object.assign(new CartItem(), {
          product: productRef(line.productId),
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
