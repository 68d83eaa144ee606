import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ShippingContext } from '../context';
import {
  CreateShipmentInput,
  Order,
  Shipment,
  ShipmentPayload,
  ShipmentStatus,
  ShippingMethod,
  ShippingMethodInput,
  ShippingMethodPayload,
} from '../types/shipping.types';

/** Shipping methods: the public list and the admin changes. */
@Resolver(() => ShippingMethod)
export class ShippingMethodResolver {
  @Query(() => [ShippingMethod], {
    description: 'The active shipping methods, cheapest first; with includeInactive, archived ones too (ADMIN only).',
  })
  shippingMethods(
    @Arg('includeInactive', () => Boolean, { nullable: true, defaultValue: false, description: 'Also the archived methods (ADMIN only).' })
    includeInactive: boolean | null,
    @Ctx() ctx: ShippingContext,
  ): Promise<ShippingMethod[]> {
    return ctx.services.methods.list(ctx, includeInactive ?? false);
  }

  @Mutation(() => ShippingMethodPayload, { description: 'Creates a shipping method. ADMIN only; INVALID_INPUT names the bad field.' })
  createShippingMethod(
    @Arg('input', () => ShippingMethodInput) input: ShippingMethodInput,
    @Ctx() ctx: ShippingContext,
  ): Promise<ShippingMethodPayload> {
    return ctx.services.methods.create(ctx, input);
  }

  @Mutation(() => ShippingMethodPayload, {
    description: 'Replaces every field of an active shipping method. ADMIN only; NOT_FOUND, CONFLICT when archived, INVALID_INPUT.',
  })
  updateShippingMethod(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => ShippingMethodInput) input: ShippingMethodInput,
    @Ctx() ctx: ShippingContext,
  ): Promise<ShippingMethodPayload> {
    return ctx.services.methods.update(ctx, id, input);
  }

  @Mutation(() => ShippingMethodPayload, {
    description: 'Archives a shipping method: offered no more, kept for the orders that used it (again: no change). ADMIN only; NOT_FOUND.',
  })
  archiveShippingMethod(@Arg('id', () => ID) id: string, @Ctx() ctx: ShippingContext): Promise<ShippingMethodPayload> {
    return ctx.services.methods.archive(ctx, id);
  }
}

/** Shipments: the admin changes. */
@Resolver(() => Shipment)
export class ShipmentResolver {
  @Mutation(() => ShipmentPayload, {
    description:
      'A parcel of some or all unshipped lines of a CONFIRMED order (never more than was ordered). ADMIN only; NOT_FOUND (unknown order), CONFLICT (not CONFIRMED, or nothing left to ship), INVALID_INPUT.',
  })
  createShipment(
    @Arg('input', () => CreateShipmentInput) input: CreateShipmentInput,
    @Ctx() ctx: ShippingContext,
  ): Promise<ShipmentPayload> {
    return ctx.services.shipments.create(ctx, input);
  }

  @Mutation(() => ShipmentPayload, {
    description:
      'Moves a parcel on: SHIPPED → IN_TRANSIT → DELIVERED, or to RETURNED_TO_SENDER before delivery; the same status again changes nothing. ADMIN only; NOT_FOUND, CONFLICT.',
  })
  updateShipmentStatus(
    @Arg('id', () => ID) id: string,
    @Arg('status', () => ShipmentStatus) status: ShipmentStatus,
    @Ctx() ctx: ShippingContext,
  ): Promise<ShipmentPayload> {
    return ctx.services.shipments.updateStatus(ctx, id, status);
  }
}

/** Order.shipments, contributed by shipping. */
@Resolver(() => Order)
export class OrderShipmentsResolver {
  @FieldResolver(() => [Shipment], {
    nullable: true,
    description:
      "The order's parcels, oldest first (empty until one ships; null only when shipping cannot answer). Whoever may read the order may read them.",
  })
  shipments(@Root() order: Order, @Ctx() ctx: ShippingContext): Promise<Shipment[]> {
    return ctx.loaders.orderShipments.load(order.id);
  }
}
