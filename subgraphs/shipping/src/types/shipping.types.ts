import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Money, UserError } from '@shopgraph/kit';

@ObjectType({ description: 'Something the shop sells. Owned by the products subgraph; inventory and reviews add fields to it.' })
@Directive('@key(fields: "id", resolvable: false)')
export class Product {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;
}

// Description as the orders subgraph (the owner) has it, so composition reports no inconsistency.
@ObjectType({ description: 'An order placed by a customer. Its status moves on as stock is reserved and payment is taken.' })
@Directive('@key(fields: "id")')
export class Order {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;
}

export const orderRef = (id: string): Order => Object.assign(new Order(), { id });
export const productRef = (id: string): Product => Object.assign(new Product(), { id });

@ObjectType({
  description: 'A way of shipping an order: where it ships, what it costs, how long it takes. Owned by the shipping subgraph.',
})
@Directive('@key(fields: "id")')
export class ShippingMethod {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;

  @Field(() => String, { description: 'Its name as customers see it, e.g. "Standard", "Express".' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Who carries the parcels, e.g. "UPS"; null when not said.' })
  carrier!: string | null;

  @Field(() => String, { nullable: true, description: 'A sentence for customers; null when none.' })
  description!: string | null;

  @Field(() => [String], { description: 'Where it ships: ISO-3166-1 alpha-2 country codes, upper case.' })
  countries!: string[];

  @Field(() => Money, { description: 'Flat price per order.' })
  price!: Money;

  @Field(() => Money, {
    nullable: true,
    description:
      "The method is free when the order's discounted subtotal (after promotions, before shipping and tax) reaches this amount; null: never free.",
  })
  freeOver!: Money | null;

  @Field(() => Int, { nullable: true, description: 'Fewest business days to delivery; null when not said.' })
  minDeliveryDays!: number | null;

  @Field(() => Int, { nullable: true, description: 'Most business days to delivery; null when not said.' })
  maxDeliveryDays!: number | null;

  @Field(() => Boolean, { description: 'False once archived: kept for the orders that used it, offered no more.' })
  active!: boolean;
}

@InputType({ description: 'A shipping method as an admin creates or replaces it.' })
export class ShippingMethodInput {
  @Field(() => String, { description: '1 to 100 characters.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'At most 100 characters.' })
  carrier?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 500 characters.' })
  description?: string | null;

  @Field(() => [String], { description: 'At least one ISO-3166-1 alpha-2 country code (any case; duplicates ignored).' })
  countries!: string[];

  @Field(() => Int, { description: 'Flat price in minor units, 0 to 100000000.' })
  price!: number;

  @Field(() => String, { nullable: true, description: "ISO-4217 currency of price and freeOver (default: the shop's)." })
  currency?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Free when the discounted subtotal reaches this many minor units (1 to 100000000); omit: never free.',
  })
  freeOver?: number | null;

  @Field(() => Int, { nullable: true, description: 'Fewest business days to delivery, 0 to 365.' })
  minDeliveryDays?: number | null;

  @Field(() => Int, { nullable: true, description: 'Most business days to delivery, 0 to 365, not below minDeliveryDays.' })
  maxDeliveryDays?: number | null;
}

@ObjectType({ description: 'Result of a shipping method change: the method as it is now, or why not.' })
export class ShippingMethodPayload {
  @Field(() => ShippingMethod, { nullable: true, description: 'The method after the change; null when it failed.' })
  shippingMethod!: ShippingMethod | null;

  @Field(() => [UserError], { description: 'Why it failed (empty on success).' })
  errors!: UserError[];

  static of(shippingMethod: ShippingMethod): ShippingMethodPayload {
    return Object.assign(new ShippingMethodPayload(), { shippingMethod, errors: [] });
  }

  static failed(...errors: UserError[]): ShippingMethodPayload {
    return Object.assign(new ShippingMethodPayload(), { shippingMethod: null, errors });
  }
}

export enum ShipmentStatus {
  SHIPPED = 'SHIPPED',
  IN_TRANSIT = 'IN_TRANSIT',
  DELIVERED = 'DELIVERED',
  RETURNED_TO_SENDER = 'RETURNED_TO_SENDER',
}
registerEnumType(ShipmentStatus, {
  name: 'ShipmentStatus',
  description: 'Where a parcel is: handed to the carrier, on its way, delivered, or sent back to the shop.',
});

@ObjectType({ description: 'What one parcel holds of one order line.' })
export class ShipmentLine {
  @Field(() => Product, { description: 'The product (resolved through the supergraph).' })
  product!: Product;

  @Field(() => Int, { description: 'Units in this parcel.' })
  quantity!: number;
}

@ObjectType({ description: 'A parcel of an order, with its carrier and tracking. Owned by the shipping subgraph.' })
@Directive('@key(fields: "id")')
export class Shipment {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;

  @Field(() => Order, { description: 'The order it ships (part of).' })
  order!: Order;

  @Field(() => [ShipmentLine], { description: 'What it holds.' })
  lines!: ShipmentLine[];

  @Field(() => String, { description: 'Who carries it.' })
  carrier!: string;

  @Field(() => String, { nullable: true, description: "The carrier's tracking number; null when none." })
  trackingNumber!: string | null;

  @Field(() => String, { nullable: true, description: 'Where to follow it (http or https); null when none.' })
  trackingUrl!: string | null;

  @Field(() => ShipmentStatus, { description: 'Where it is.' })
  status!: ShipmentStatus;

  @Field(() => Date, { description: 'When it was handed to the carrier.' })
  shippedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was delivered; null until then.' })
  deliveredAt!: Date | null;
}

@InputType({ description: 'Units of one order line to put in a parcel.' })
export class ShipmentLineInput {
  @Field(() => ID, { description: 'The product of the order line.' })
  productId!: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The variant of the order line; may be omitted when the order holds one variant of the product.',
  })
  variantId?: string | null;

  @Field(() => Int, { description: 'Units, 1 or more, at most what of the line has not shipped yet.' })
  quantity!: number;
}

@InputType({ description: 'A new parcel of a CONFIRMED order.' })
export class CreateShipmentInput {
  @Field(() => ID, { description: 'The order.' })
  orderId!: string;

  @Field(() => [ShipmentLineInput], { nullable: true, description: 'What it holds; omitted: everything not yet shipped.' })
  lines?: ShipmentLineInput[] | null;

  @Field(() => String, { description: 'Who carries it: 1 to 100 characters.' })
  carrier!: string;

  @Field(() => String, { nullable: true, description: "The carrier's tracking number: at most 100 characters." })
  trackingNumber?: string | null;

  @Field(() => String, { nullable: true, description: 'Where to follow it: an http or https URL of at most 2000 characters.' })
  trackingUrl?: string | null;
}

@ObjectType({ description: 'Result of a shipment change: the shipment as it is now, or why not.' })
export class ShipmentPayload {
  @Field(() => Shipment, { nullable: true, description: 'The shipment after the change; null when it failed.' })
  shipment!: Shipment | null;

  @Field(() => [UserError], { description: 'Why it failed (empty on success).' })
  errors!: UserError[];

  static of(shipment: Shipment): ShipmentPayload {
    return Object.assign(new ShipmentPayload(), { shipment, errors: [] });
  }

  static failed(...errors: UserError[]): ShipmentPayload {
    return Object.assign(new ShipmentPayload(), { shipment: null, errors });
  }
}
