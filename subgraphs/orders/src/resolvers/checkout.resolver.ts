import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { money, Money as Money_ } from '@shopgraph/kit';
import type { OrdersContext } from '../context';
import { toPromotion, type CheckoutService, type OrderBreakdown } from '../services/checkout.service';
import {
  CheckoutPreview,
  CheckoutPreviewInput,
  Discount,
  PromotionConnection,
  PromotionInput,
  PromotionPayload,
  shippingMethodRef,
  ShippingMethodSnapshot,
  TaxLine,
  TaxRate,
  TaxRateInput,
  TaxRatePayload,
} from '../types/checkout.type';
import { Order, OrderPayload } from '../types/order.type';

const checkoutOf = (ctx: OrdersContext): CheckoutService => {
  if (!ctx.services.checkout) throw new Error('checkout service not wired');
  return ctx.services.checkout;
};

/** Checkout preview, tax rates and promotions (ADMIN). */
@Resolver()
export class CheckoutResolver {
  @Query(() => CheckoutPreview, {
    description: 'What the cart would cost if ordered now with this address, method and codes; nothing is reserved or charged. Signed in (guest carts: cartId).',
  })
  checkoutPreview(@Arg('input', () => CheckoutPreviewInput) input: CheckoutPreviewInput, @Ctx() ctx: OrdersContext): Promise<CheckoutPreview> {
    return checkoutOf(ctx).preview(ctx, input);
  }

  @Query(() => [TaxRate], { description: 'Every tax rate. ADMIN only.' })
  taxRates(@Ctx() ctx: OrdersContext): Promise<TaxRate[]> {
    return checkoutOf(ctx).taxRates(ctx);
  }

  @Query(() => PromotionConnection, { description: 'Every promotion, newest first. ADMIN only.' })
  promotions(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<PromotionConnection> {
    return checkoutOf(ctx).promotions(ctx, first ?? 20, after);
  }

  @Mutation(() => TaxRatePayload, { description: 'Creates or replaces the rate of (country, region). ADMIN only.' })
  setTaxRate(@Arg('input', () => TaxRateInput) input: TaxRateInput, @Ctx() ctx: OrdersContext): Promise<TaxRatePayload> {
    return checkoutOf(ctx).setTaxRate(ctx, input);
  }

  @Mutation(() => TaxRatePayload, { description: 'Removes a tax rate. ADMIN only.' })
  removeTaxRate(@Arg('id', () => ID) id: string, @Ctx() ctx: OrdersContext): Promise<TaxRatePayload> {
    return checkoutOf(ctx).removeTaxRate(ctx, id);
  }

  @Mutation(() => PromotionPayload, { description: 'Creates a promotion (a code, or automatic without one). ADMIN only.' })
  createPromotion(@Arg('input', () => PromotionInput) input: PromotionInput, @Ctx() ctx: OrdersContext): Promise<PromotionPayload> {
    return checkoutOf(ctx).createPromotion(ctx, input);
  }

  @Mutation(() => PromotionPayload, { description: 'Replaces a promotion\'s settings (its usage count stays). ADMIN only.' })
  updatePromotion(@Arg('id', () => ID) id: string, @Arg('input', () => PromotionInput) input: PromotionInput, @Ctx() ctx: OrdersContext): Promise<PromotionPayload> {
    return checkoutOf(ctx).updatePromotion(ctx, id, input);
  }

  @Mutation(() => PromotionPayload, { description: 'Ends a promotion: it applies to no new order. ADMIN only.' })
  archivePromotion(@Arg('id', () => ID) id: string, @Ctx() ctx: OrdersContext): Promise<PromotionPayload> {
    return checkoutOf(ctx).archivePromotion(ctx, id);
  }
}

// One loader per request (the cache must not outlive it).
const breakdownLoaders = new WeakMap<object, DataLoader<string, OrderBreakdown | null>>();
function breakdownOf(ctx: OrdersContext, orderId: string): Promise<OrderBreakdown | null> {
  let loader = breakdownLoaders.get(ctx);
  if (!loader) {
    const checkout = checkoutOf(ctx);
    loader = new DataLoader(async (ids) => {
      const found = await checkout.breakdowns(ids);
      return ids.map((id) => found.get(id) ?? null);
    });
    breakdownLoaders.set(ctx, loader);
  }
  return loader.load(orderId);
}

/** The order's price breakdown, as stored when it was placed. */
@Resolver(() => Order)
export class OrderBreakdownResolver {
  @FieldResolver(() => [Discount], { description: 'The promotions applied.' })
  async discounts(@Root() order: Order, @Ctx() ctx: OrdersContext): Promise<Discount[]> {
    const b = await breakdownOf(ctx, order.id);
    if (!b || b.discounts.length === 0) return [];
    const promotions = await checkoutOf(ctx).promotionsById(b.discounts.map((d) => d.promotionId));
    return b.discounts
      .filter((d) => promotions.has(d.promotionId))
      .map((d) => ({ promotion: toPromotion(promotions.get(d.promotionId)!, b.currency), code: d.code, description: d.description, amount: money(d.amount, b.currency) }));
  }

  @FieldResolver(() => Money_, { description: 'Sum of the discounts.' })
  async discountTotal(@Root() order: Order, @Ctx() ctx: OrdersContext) {
    const b = await breakdownOf(ctx, order.id);
    return money(b?.discountTotal ?? 0, b?.currency ?? 'USD');
  }

  @FieldResolver(() => ShippingMethodSnapshot, { nullable: true, description: 'The shipping method chosen, as it was at order time.' })
  async shippingMethod(@Root() order: Order, @Ctx() ctx: OrdersContext): Promise<ShippingMethodSnapshot | null> {
    const b = await breakdownOf(ctx, order.id);
    if (!b?.shippingMethod) return null;
    const s = b.shippingMethod;
    return { method: shippingMethodRef(s.methodId), name: s.name, carrier: s.carrier, price: money(s.price, b.currency) };
  }

  @FieldResolver(() => Money_, { description: 'What shipping cost (a free-shipping promotion is a discount).' })
  async shippingTotal(@Root() order: Order, @Ctx() ctx: OrdersContext) {
    const b = await breakdownOf(ctx, order.id);
    return money(b?.shippingTotal ?? 0, b?.currency ?? 'USD');
  }

  @FieldResolver(() => [TaxLine], { description: 'Tax by rate.' })
  async taxLines(@Root() order: Order, @Ctx() ctx: OrdersContext): Promise<TaxLine[]> {
    const b = await breakdownOf(ctx, order.id);
    return (b?.taxLines ?? []).map((t) => ({ name: t.name, rateBasisPoints: t.rateBasisPoints, taxable: money(t.taxable, b!.currency), amount: money(t.amount, b!.currency) }));
  }

  @FieldResolver(() => Money_, { description: 'Sum of the tax lines (contained in the prices when the shop\'s prices include tax).' })
  async taxTotal(@Root() order: Order, @Ctx() ctx: OrdersContext) {
    const b = await breakdownOf(ctx, order.id);
    return money(b?.taxTotal ?? 0, b?.currency ?? 'USD');
  }

  @FieldResolver(() => String, {
    description:
      'Where order emails go: the guest\'s email, or the account\'s (as orders\' users.v1 replica knows it; an error while it does not know it yet, e.g. for an account created before orders followed users.v1).',
  })
  async email(@Root() order: Order, @Ctx() ctx: OrdersContext): Promise<string> {
    const b = await breakdownOf(ctx, order.id);
    if (b?.email) return b.email;
    const known = await ctx.services.guests?.accountEmail(order.customerId);
    if (known) return known;
    throw new GraphQLError('The email of this order\'s account is not known to orders yet', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
  }

  @FieldResolver(() => Boolean, { description: 'True when a guest (not signed in) placed the order.' })
  async guest(@Root() order: Order, @Ctx() ctx: OrdersContext): Promise<boolean> {
    return (await breakdownOf(ctx, order.id))?.guest ?? false;
  }
}

/** Guest orders: the one-time token placeOrder returns, and reading an order by it. */
@Resolver(() => OrderPayload)
export class GuestOrderResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description:
      'Guests only, once (a replay of the same placeOrder does not repeat it): lets the holder read (orderByToken) and track (orderStatusChanged(orderId, orderToken)) this order and nothing else. Keep it secret.',
  })
  orderToken(@Root() payload: OrderPayload & { orderToken?: string | null }): string | null {
    return payload.orderToken ?? null;
  }

  @Query(() => Order, { nullable: true, description: 'The order a guest\'s orderToken was issued for; null for any other token (no error tells an unknown token from a wrong one).' })
  orderByToken(@Arg('token', () => String, { description: 'The orderToken placeOrder returned.' }) token: string, @Ctx() ctx: OrdersContext): Promise<Order | null> {
    return ctx.services.orders.orderByToken(token);
  }
}
