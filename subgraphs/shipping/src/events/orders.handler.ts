import type { DataSource } from 'typeorm';
import { causedBy, processOnce, type EventEnvelope } from '@shopgraph/events';
import { SOURCE } from '../services/method.service';
import type { ShipmentService } from '../services/shipment.service';

export const ORDERS_CONSUMER = 'shipping.orders';
/** The carrier of the whole-order shipment that stands for an order an admin marked SHIPPED by hand. */
export const MANUAL_CARRIER = 'Unspecified (marked shipped by hand)';

/**
 * orders.v1 OrderStatusChanged → the replica of the order (status, version, lines), exactly once
 * (inbox row in the same transaction) and never moved back by an older version. An order marked
 * SHIPPED by hand (markOrderShipped) gets one shipment of whatever had not shipped yet, and one
 * marked DELIVERED (markOrderDelivered) has its open shipments delivered, so Order.shipments and
 * the order's status agree either way.
 */
export async function handleOrderStatusChanged(
  dataSource: DataSource,
  shipments: ShipmentService,
  event: EventEnvelope<'OrderStatusChanged'>,
): Promise<void> {
  const p = event.payload;
  await processOnce(dataSource, ORDERS_CONSUMER, event, async (manager) => {
    const rows: { order_id: string }[] = await manager.query(
      `INSERT INTO order_replica (order_id, customer_id, status, version, lines) VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (order_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, status = EXCLUDED.status, version = EXCLUDED.version,
         lines = CASE WHEN jsonb_array_length(EXCLUDED.lines) > 0 THEN EXCLUDED.lines ELSE order_replica.lines END, updated_at = now()
       WHERE order_replica.version < EXCLUDED.version
       RETURNING order_id`,
      [p.orderId, p.customerId, p.status, p.version, JSON.stringify(p.items)],
    );
    if (!rows.length) return; // an older or equal version than the replica has: nothing to do
    const origin = causedBy(event, SOURCE);
    if (p.status === 'SHIPPED' || p.status === 'DELIVERED') {
      // Whatever had not shipped leaves as one parcel (nothing, when shipments drove the order here).
      const made = await shipments.createIn(manager, p.orderId, null, MANUAL_CARRIER, null, null, origin, ['SHIPPED', 'DELIVERED']);
      if ('error' in made && made.error.code !== 'CONFLICT')
        throw new Error(`shipping: whole-order shipment of ${p.orderId} failed: ${made.error.message}`);
    }
    if (p.status === 'DELIVERED') {
      for (const id of await shipments.undelivered(manager, p.orderId)) {
        const moved = await shipments.moveIn(manager, id, 'DELIVERED', origin);
        if ('error' in moved) throw new Error(`shipping: delivering shipment ${id} of ${p.orderId} failed: ${moved.error.message}`);
      }
    }
  });
}
