import type { DataSource } from 'typeorm';
import { processOnce, type EventEnvelope } from '@shopgraph/events';
import type { CheckoutStore } from '../stores/checkout.store';

const CONSUMER = 'orders.shipping-replica';

export type ShippingMethodEvent = EventEnvelope<'ShippingMethodChanged'>;

export const isShippingMethodEvent = (event: EventEnvelope): event is ShippingMethodEvent => event.type === 'ShippingMethodChanged';

/**
 * shipping.v1 ShippingMethodChanged → orders' replica of shipping methods, which checkout quotes
 * from (no call to shipping at checkout). Idempotent (inbox) and monotonic: the highest revision
 * wins, whatever order the events arrive in. Returns whether the replica changed.
 */
export async function handleShippingMethodEvent(dataSource: DataSource, store: CheckoutStore, event: ShippingMethodEvent): Promise<boolean> {
  let changed = false;
  await processOnce(dataSource, CONSUMER, event, async (manager) => {
    const m = event.payload;
    changed = await store.upsertShippingMethod(
      {
        id: m.methodId,
        name: m.name,
        carrier: m.carrier,
        description: m.description,
        countries: m.countries,
        price: m.price.amount,
        currency: m.price.currency,
        // freeOver in another currency than the price cannot be compared: never free then.
        freeOver: m.freeOver && m.freeOver.currency === m.price.currency ? m.freeOver.amount : null,
        minDeliveryDays: m.minDeliveryDays,
        maxDeliveryDays: m.maxDeliveryDays,
        active: m.active,
      },
      m.revision,
      manager,
    );
  });
  return changed;
}
