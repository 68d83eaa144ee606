import type { DataSource } from 'typeorm';
import type { Logger } from '@shopgraph/kit';
import { causedBy, processOnce, type EventEnvelope } from '@shopgraph/events';
import { SOURCE, type Applied, type SagaService } from '../services/saga.service';
import type { OrderStore } from '../stores/order.store';

/** Inbox consumer name of shipping.v1's shipment events. */
export const SHIPMENTS_CONSUMER = 'orders.shipments';

export type ShipmentEvent = EventEnvelope<'ShipmentCreated'> | EventEnvelope<'ShipmentStatusChanged'>;

/**
 * shipping.v1 ShipmentCreated / ShipmentStatusChanged → the order's status: SHIPPED on the first
 * event saying every line has shipped (orderFullyShipped), DELIVERED on the first saying every
 * shipment is delivered (orderFullyDelivered) — each a saga step, so the history row and
 * OrderStatusChanged (the live push) go out with it, in one transaction with the inbox row: a
 * redelivered event changes nothing. An order marked by hand is already there when its
 * whole-order shipment's event comes back, and stays as it is. Events of orders this database
 * does not know are recorded and ignored. Returns what changed, oldest first.
 */
export async function handleShipmentEvent(
  dataSource: DataSource,
  saga: SagaService,
  orders: OrderStore,
  event: ShipmentEvent,
  log: Logger,
): Promise<Applied[]> {
  const p = event.payload;
  if (!p.orderFullyShipped && !p.orderFullyDelivered) {
    // A parcel of an order not complete yet: nothing for the order (the inbox is not even needed).
    return [];
  }
  const { applied } = await saga.retrying(async () => {
    const steps: Applied[] = [];
    await processOnce(dataSource, SHIPMENTS_CONSUMER, event, async (manager) => {
      let order = await orders.findById(p.orderId, manager);
      if (!order) {
        log.debug({ orderId: p.orderId, type: event.type }, 'shipment event for an unknown order; ignoring it');
        return;
      }
      const origin = causedBy(event, SOURCE);
      // Both at once (the last parcel created already delivered is impossible, but a CONFIRMED order whose
      // SHIPPED step was missed would be): SHIPPED first, then DELIVERED, two history rows.
      if (p.orderFullyShipped && order.status === 'CONFIRMED') {
        const shipped = await saga.apply(manager, order, { type: 'ShipmentsShipped' }, origin);
        steps.push(shipped);
        order = shipped.order;
      }
      if (p.orderFullyDelivered) steps.push(await saga.apply(manager, order, { type: 'ShipmentsDelivered' }, origin));
    });
    // change: null — the metrics of every step are recorded below, once committed.
    return { change: null, applied: steps.filter((a) => a.change !== null) };
  });
  saga.committed(applied.map((a) => a.change));
  return applied;
}
