import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AddressInput, Money, PageInfo, UserError } from '@shopgraph/kit';
import { Product, ProductVariant } from './product.type';

export enum PromotionKind {
  PERCENTAGE = 'PERCENTAGE',
  FIXED_AMOUNT = 'FIXED_AMOUNT',
  FREE_SHIPPING = 'FREE_SHIPPING',
}
registerEnumType(PromotionKind, {
  name: 'PromotionKind',
  description: 'What a promotion takes off.',
  valuesConfig: {
    PERCENTAGE: { description: 'value = basis points off the eligible subtotal (1000 = 10 %), rounded half-even per line.' },
    FIXED_AMOUNT: { description: 'value = minor units off, at most the eligible subtotal, split over the eligible lines by largest remainder.' },
    FREE_SHIPPING: { description: 'The chosen shipping method costs nothing.' },
  },
});

@ObjectType({ description: 'A shipping method. Owned by the shipping subgraph; orders quotes from its replica.' })
@Directive('@key(fields: "id", resolvable: false)')
export class ShippingMethod {
  @Field(() => ID, { description: 'Stable unique id.' })
  id!: string;
}
export const shippingMethodRef = (id: string): ShippingMethod => Object.assign(new ShippingMethod(), { id });

@ObjectType({ description: 'What a shipping method costs for this cart and address.' })
export class ShippingQuote {
  @Field(() => ShippingMethod, { description: 'The method.' })
  method!: ShippingMethod;

  @Field(() => Money, { description: 'Its price for this cart (0 when the discounted subtotal reaches its free-over threshold).' })
  price!: Money;

  @Field(() => String, { nullable: true, description: 'e.g. "3–5 business days".' })
  estimatedDelivery?: string | null;
}

@ObjectType({ description: 'The shipping method the customer chose, as it was when the order was placed.' })
export class ShippingMethodSnapshot {
  @Field(() => ShippingMethod, { nullable: true, description: 'The method (null if it was deleted since).' })
  method!: ShippingMethod | null;

  @Field(() => String, { description: 'Its name at order time.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Its carrier at order time.' })
  carrier?: string | null;

  @Field(() => Money, { description: 'What shipping cost on this order (before a free-shipping promotion, which is a discount).' })
  price!: Money;
}

@ObjectType({ description: 'A promotion: a code or an automatic discount. Managed by ADMINs.' })
export class Promotion {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true, description: 'null: applies automatically when its conditions hold. Case-insensitive.' })
  code?: string | null;

  @Field(() => PromotionKind)
  kind!: PromotionKind;

  @Field(() => Int, { description: 'Basis points (PERCENTAGE), minor units (FIXED_AMOUNT), unused (FREE_SHIPPING).' })
  value!: number;

  @Field(() => Money, { nullable: true, description: 'The cart subtotal (before discounts) it needs.' })
  minSubtotal?: Money | null;

  @Field(() => [String], { description: 'Categories whose products are eligible; empty: every product.' })
  categorySlugs!: string[];

  @Field(() => Date, { nullable: true })
  startsAt?: Date | null;

  @Field(() => Date, { nullable: true })
  endsAt?: Date | null;

  @Field(() => Int, { nullable: true, description: 'Uses across all customers; null: unlimited.' })
  usageLimit?: number | null;

  @Field(() => Int, { nullable: true, description: 'Uses per customer; null: unlimited.' })
  perCustomerLimit?: number | null;

  @Field(() => Int, { description: 'Orders that used it; a cancelled order gives its use back.' })
  usageCount!: number;

  @Field(() => Boolean)
  active!: boolean;
}

@ObjectType({ description: 'A promotion applied to a cart or an order.' })
export class Discount {
  @Field(() => Promotion)
  promotion!: Promotion;

  @Field(() => String, { nullable: true, description: 'The code used; null for an automatic promotion.' })
  code?: string | null;

  @Field(() => String)
  description!: string;

  @Field(() => Money)
  amount!: Money;
}

@ObjectType({ description: 'Tax at one rate.' })
export class TaxLine {
  @Field(() => String, { description: 'e.g. "CA sales tax".' })
  name!: string;

  @Field(() => Int, { description: '725 = 7.25 %.' })
  rateBasisPoints!: number;

  @Field(() => Money, { description: 'What the rate applies to (discounted lines, and shipping when the rate says so).' })
  taxable!: Money;

  @Field(() => Money, { description: 'Σ of the per-line taxes, each rounded half-even.' })
  amount!: Money;
}

@ObjectType({ description: 'A line of a checkout preview.' })
export class CheckoutLine {
  @Field(() => Product)
  product!: Product;

  @Field(() => ProductVariant, { description: 'The variant this line is for (its price is the line\'s unitPrice); a product without options: its default variant, whose id is the product\'s.' })
  variant!: ProductVariant;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Money)
  unitPrice!: Money;

  @Field(() => Money)
  lineTotal!: Money;

  @Field(() => Money, { description: "This line's share of the discounts (the shares sum to the line discounts exactly)." })
  discount!: Money;
}

@ObjectType({
  description:
    'What the cart would cost if ordered now. Computed by the same function as placeOrder. Money in minor units; percentages and tax rounded half-even per line.',
})
export class CheckoutPreview {
  @Field(() => [CheckoutLine])
  lines!: CheckoutLine[];

  @Field(() => Money, { description: 'Sum of line totals before discounts.' })
  subtotal!: Money;

  @Field(() => [Discount])
  discounts!: Discount[];

  @Field(() => Money)
  discountTotal!: Money;

  @Field(() => [ShippingQuote], { description: 'Methods available for the address, cheapest first.' })
  shippingOptions!: ShippingQuote[];

  @Field(() => ShippingQuote, { nullable: true, description: 'The chosen or default one; null without an address.' })
  shipping?: ShippingQuote | null;

  @Field(() => [TaxLine])
  taxLines!: TaxLine[];

  @Field(() => Money)
  taxTotal!: Money;

  @Field(() => Money, { description: 'subtotal - discountTotal + shipping + taxTotal (taxTotal only when prices exclude tax).' })
  total!: Money;

  @Field(() => Boolean)
  pricesIncludeTax!: boolean;

  @Field(() => [UserError], { description: 'e.g. an expired code, no method ships to the country.' })
  errors!: UserError[];
}

@InputType()
export class CheckoutPreviewInput {
  @Field(() => ID, { nullable: true, description: "A guest's cart; signed-in users may omit it." })
  cartId?: string | null;

  @Field(() => AddressInput, { nullable: true, description: 'Country (and region) decide shipping methods and tax.' })
  shippingAddress?: AddressInput | null;

  @Field(() => ID, { nullable: true, description: 'Default: the cheapest available method.' })
  shippingMethodId?: string | null;

  @Field(() => [String], { nullable: true, description: "Default: the cart's codes." })
  promotionCodes?: string[] | null;
}

@ObjectType({ description: 'A tax rate for a country or one of its regions (a region rate beats the country rate).' })
export class TaxRate {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  country!: string;

  @Field(() => String, { nullable: true, description: 'null: the whole country.' })
  region?: string | null;

  @Field(() => Int)
  rateBasisPoints!: number;

  @Field(() => Boolean)
  appliesToShipping!: boolean;
}

@InputType()
export class TaxRateInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  country!: string;

  @Field(() => String, { nullable: true })
  region?: string | null;

  @Field(() => Int)
  rateBasisPoints!: number;

  @Field(() => Boolean, { nullable: true })
  appliesToShipping?: boolean | null;
}

@ObjectType()
export class TaxRatePayload {
  @Field(() => TaxRate, { nullable: true })
  taxRate!: TaxRate | null;

  @Field(() => [UserError])
  errors!: UserError[];
}

@InputType()
export class PromotionInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  code?: string | null;

  @Field(() => PromotionKind)
  kind!: PromotionKind;

  @Field(() => Int)
  value!: number;

  @Field(() => Int, { nullable: true })
  minSubtotal?: number | null;

  @Field(() => [String], { nullable: true })
  categorySlugs?: string[] | null;

  @Field(() => Date, { nullable: true })
  startsAt?: Date | null;

  @Field(() => Date, { nullable: true })
  endsAt?: Date | null;

  @Field(() => Int, { nullable: true })
  usageLimit?: number | null;

  @Field(() => Int, { nullable: true })
  perCustomerLimit?: number | null;
}

@ObjectType()
export class PromotionPayload {
  @Field(() => Promotion, { nullable: true })
  promotion!: Promotion | null;

  @Field(() => [UserError])
  errors!: UserError[];
}

@ObjectType()
export class PromotionEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Promotion)
  node!: Promotion;
}

@ObjectType()
export class PromotionConnection {
  @Field(() => [PromotionEdge])
  edges!: PromotionEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}
