import type { EventEnvelope } from '@shopgraph/events';
import type { PaymentService } from '../services/payment.service';

/**
 * Runs one command of payments.commands.v1. Idempotent: the inbox record (processOnce) makes a
 * redelivered command change nothing, and one payment per order makes a repeated AuthorizePayment
 * re-announce the first outcome instead of charging again.
 */
export async function handlePaymentCommand(payments: PaymentService, command: EventEnvelope): Promise<void> {
  if (command.type === 'AuthorizePayment') await payments.authorize(command as EventEnvelope<'AuthorizePayment'>);
  else if (command.type === 'RefundPayment') await payments.refundForOrder(command as EventEnvelope<'RefundPayment'>);
}
