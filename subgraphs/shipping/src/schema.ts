import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '@shopgraph/kit';
import type { ShippingContext } from './context';
import { OrderShipmentsResolver, ShipmentResolver, ShippingMethodResolver } from './resolvers/shipping.resolver';
import { Order, orderRef, Product, Shipment, ShippingMethod } from './types/shipping.types';

/** The shipping subgraph schema: ShippingMethod and Shipment entities, Order stubs gaining `shipments`. */
export function buildShippingSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [ShippingMethodResolver, ShipmentResolver, OrderShipmentsResolver],
      orphanedTypes: [Product, Order, Shipment, ShippingMethod],
    },
    {
      ShippingMethod: { __resolveReference: (ref: { id: unknown }, ctx: ShippingContext) => ctx.loaders.method.load(String(ref.id)) },
      Shipment: { __resolveReference: (ref: { id: unknown }, ctx: ShippingContext) => ctx.loaders.shipment.load(String(ref.id)) },
      Order: { __resolveReference: (ref: { id: unknown }) => orderRef(String(ref.id)) },
    },
  );
}
