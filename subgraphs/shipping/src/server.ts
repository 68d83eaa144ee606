import 'reflect-metadata';
import { defineSubgraph, type ServiceOf } from '@shopgraph/service';
import { shippingConfigSchema, type ShippingConfig } from './config';
import { createLoaders, type ShippingServices } from './context';
import { handleOrderStatusChanged } from './events/orders.handler';
import { migrations } from './migrations';
import { buildShippingSchema } from './schema';
import { MethodService } from './services/method.service';
import { ShipmentService } from './services/shipment.service';

export { loadShippingConfig, shippingConfigSchema, type ShippingConfig } from './config';
export { seedShipping } from './seed';

/**
 * The shipping subgraph: shipping methods and shipments in PostgreSQL, every change published on
 * shipping.v1 through the transactional outbox; orders.v1 in (the replica of orders' lines and
 * status that shipments are checked against).
 */
export const shippingSubgraph = defineSubgraph({
  name: 'shipping',
  config: shippingConfigSchema,
  schema: buildShippingSchema,
  stores: { postgres: { entities: [], migrations } },
  topics: ['shipping', 'orders'],
  outbox: { store: 'postgres' },
  wire: ({ dataSource, config }) => {
    const services: ShippingServices = {
      methods: new MethodService(dataSource, config.DEFAULT_CURRENCY),
      shipments: new ShipmentService(dataSource),
    };
    return { services };
  },
  consumers: ({ dataSource, services }) => ({
    // The replica of orders: a brand-new group (a new or rebuilt database) reads orders.v1's history.
    orders: {
      topics: ['orders'],
      fromBeginning: true,
      handlers: { OrderStatusChanged: (event) => handleOrderStatusChanged(dataSource, services.shipments, event) },
    },
  }),
  context: (base, { services }) => ({ ...base, services, loaders: createLoaders(services) }),
});

/** A ready-to-start shipping subgraph (`dataSource`, `services`, `start()`, `stop()`, …). */
export type ShippingService = ServiceOf<typeof shippingSubgraph>;

/** Opens the shipping subgraph (database migrated, Kafka connected); `start()` starts the relay, the consumer and the server. */
export function createShippingService(config: ShippingConfig): Promise<ShippingService> {
  return shippingSubgraph.create(config);
}
