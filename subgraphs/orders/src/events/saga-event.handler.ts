import type { DataSource } from 'typeorm';
import type { Logger } from '@shopgraph/kit';
import { causedBy, processOnce, type EventEnvelope, type EventType } from '@shopgraph/events';
import type { SagaInput } from '../domain/order-saga';
import { SOURCE, type Applied, type SagaService } from '../services/saga.service';
import type { OrderStore } from '../stores/order.store';

const CONSUMER = 'orders.saga';

/** The replies from inventory.v1 and payments.v1 that drive the saga, as saga inputs. */
const INPUTS: Partial<Record<EventType, SagaInput>> = {
  StockReserved: { type: 'StockReserved' },
  StockReservationFailed: { type: 'StockReservationFailed' },
  PaymentCaptured: { type: 'PaymentCaptured' },
  PaymentDeclined: { type: 'PaymentDeclined' },
  PaymentFailed: { type: 'PaymentFailed' },
};

/** True for the event types handleSagaEvent acts on (everything else on those topics is skipped). */
export const isSagaEvent = (event: EventEnvelope): boolean => event.type in INPUTS;

/**
 * Feeds one inventory/payments reply into the saga: the inbox row, the status change, history and
 * outbox in one transaction, so a redelivered event changes nothing. An event about an order this
 * database does not know (another environment's, or a test's) is recorded and ignored.
 * Returns what was applied (null for a duplicate, an unknown order or a type the saga ignores).
 */
export async function handleSagaEvent(
  dataSource: DataSource,
  saga: SagaService,
  orders: OrderStore,
  event: EventEnvelope,
  log: Logger,
): Promise<Applied | null> {
  const input = INPUTS[event.type];
  if (!input) return null;
  const orderId = (event.payload as { orderId: string }).orderId;
  return saga.retrying(async () => {
    let applied: Applied | null = null;
    await processOnce(dataSource, CONSUMER, event, async (manager) => {
      const found = await orders.findWithItems(orderId, manager);
      if (!found) {
        log.debug({ orderId, type: event.type }, 'saga event for an unknown order; ignoring it');
        return;
      }
      const { order, items } = found;
      if (event.type === 'PaymentCaptured') {
        const { amount } = (event as EventEnvelope<'PaymentCaptured'>).payload;
        if (amount.amount !== order.total || amount.currency !== order.currency) {
          log.warn({ orderId, captured: amount, total: order.total, currency: order.currency }, 'captured amount differs from the order total');
        }
      }
      applied = await saga.apply(manager, order, input, causedBy(event, SOURCE), items);
    });
    return applied;
  });
}
