import DataLoader from 'dataloader';
import type { RequestContext } from '@shopgraph/kit';
import type { MethodService } from './services/method.service';
import type { ShipmentService } from './services/shipment.service';
import type { Shipment, ShippingMethod } from './types/shipping.types';

export interface ShippingServices {
  methods: MethodService;
  shipments: ShipmentService;
}

/** Per-request batching loaders (their cache never outlives the request). */
export interface ShippingLoaders {
  method: DataLoader<string, ShippingMethod | null>;
  shipment: DataLoader<string, Shipment | null>;
  orderShipments: DataLoader<string, Shipment[]>;
}

/** What every shipping resolver receives. */
export interface ShippingContext extends RequestContext {
  services: ShippingServices;
  loaders: ShippingLoaders;
}

export function createLoaders(services: ShippingServices): ShippingLoaders {
  return {
    method: new DataLoader((ids) => services.methods.byIds(ids)),
    shipment: new DataLoader((ids) => services.shipments.byIds(ids)),
    orderShipments: new DataLoader((ids) => services.shipments.forOrders(ids)),
  };
}
