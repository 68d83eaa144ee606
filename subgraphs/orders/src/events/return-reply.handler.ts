import type { DataSource } from 'typeorm';
import { causedBy, processOnce, type EventEnvelope } from '@shopgraph/events';
import { SOURCE } from '../services/saga.service';
import type { ReturnService } from '../services/return.service';

/** Inbox consumer name of the replies to a return's commands. */
export const RETURNS_CONSUMER = 'orders.returns';

/**
 * The replies to a received return's commands: ReturnRestocked (inventory.v1) records that the
 * goods are back on hand; PaymentRefunded with a returnId (payments.v1) makes the return
 * REFUNDED. Each in one transaction with its inbox row, so a redelivered reply changes nothing;
 * a PaymentRefunded without a returnId (a cancelled order's refund) is not about a return.
 */
export async function handleReturnReply(dataSource: DataSource, returns: ReturnService, event: EventEnvelope): Promise<void> {
  if (event.type === 'PaymentRefunded' && !(event as EventEnvelope<'PaymentRefunded'>).payload.returnId) return;
  if (event.type !== 'PaymentRefunded' && event.type !== 'ReturnRestocked') return;
  await processOnce(dataSource, RETURNS_CONSUMER, event, async (manager) => {
    if (event.type === 'ReturnRestocked') await returns.restocked(manager, (event as EventEnvelope<'ReturnRestocked'>).payload.returnId);
    else await returns.refunded(manager, event as EventEnvelope<'PaymentRefunded'>, causedBy(event, SOURCE));
  });
}
