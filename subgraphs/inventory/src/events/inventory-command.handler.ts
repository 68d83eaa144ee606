import type { DataSource } from 'typeorm';
import { causedBy, createEvent, enqueueEvents, processOnce, type EventEnvelope } from '@shopgraph/events';
import { reserveOutcomeEvent, type ReservationService } from '../services/reservation.service';
import { SOURCE } from '../services/stock.service';

const CONSUMER = 'inventory.commands';

/** The saga's commands on inventory.commands.v1. */
export type InventoryCommand = EventEnvelope<'ReserveStock'> | EventEnvelope<'ReleaseStock'> | EventEnvelope<'CommitStock'> | EventEnvelope<'RestockReturn'>;

/**
 * Runs one saga command through the ReservationService inside the inbox transaction; the reply
 * events (StockReserved, StockReservationFailed, StockReleased, StockCommitted) go out through the outbox.
 * A redelivered command changes nothing; a NEW command for an order already decided gets the
 * first answer again, so a saga that retried is not left waiting. A commit or release that finds
 * the reservation in another final state (e.g. expired before payment) answers nothing: the
 * saga sees no StockCommitted and must treat that order as a timeout.
 */
export async function handleInventoryCommand(dataSource: DataSource, reservations: ReservationService, command: InventoryCommand): Promise<void> {
  await processOnce(dataSource, CONSUMER, command, async (manager) => {
    const origin = causedBy(command, SOURCE);
    switch (command.type) {
      case 'ReserveStock': {
        const { orderId, lines } = (command as EventEnvelope<'ReserveStock'>).payload;
        // Stock is kept per variant; a line without variantId is its product's default variant (same id).
        const items = lines.map((l) => ({ productId: l.variantId ?? l.productId, quantity: l.quantity }));
        const outcome = await reservations.reserve(orderId, items, undefined, { manager, origin });
        if (outcome.replayed) await enqueueEvents(manager, [reserveOutcomeEvent(outcome, origin)]);
        return;
      }
      case 'ReleaseStock': {
        const { orderId } = command.payload;
        const outcome = await reservations.release(orderId, { manager, origin });
        if (!outcome.changed && outcome.status === 'RELEASED') await enqueueEvents(manager, [createEvent('StockReleased', orderId, { orderId }, origin)]);
        return;
      }
      case 'CommitStock': {
        const { orderId } = command.payload;
        const outcome = await reservations.commit(orderId, { manager, origin });
        if (!outcome.changed && outcome.status === 'COMMITTED') await enqueueEvents(manager, [createEvent('StockCommitted', orderId, { orderId }, origin)]);
        return;
      }
      case 'RestockReturn': {
        // Each (return, stock item) once (return_restocks); the reply goes out every time, so a saga that re-sent is answered.
        await reservations.restockReturn((command as EventEnvelope<'RestockReturn'>).payload, { manager, origin });
        return;
      }
    }
  });
}
