import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { forbidden, isProviderToken, requireAdmin, requireViewer, UserError, UserErrorCode, type Logger, type RequestContext, isUuid } from '@shopgraph/kit';
import { causedBy, createEvent, enqueueEvents, processOnce, type EventEnvelope, type EventOrigin } from '@shopgraph/events';
import type { PaymentEntity } from '../entities/payment.entity';
import type { RefundEntity } from '../entities/refund.entity';
import type { ChargeOutcome, PaymentProvider } from '../provider/payment.provider';
import type { Origin, PaymentResult, PaymentStore } from '../stores/payment.store';
import { PaymentPayload } from '../types/payment-payload.type';
import { toPayment, type Payment } from '../types/payment.type';
import type { PaymentMetrics } from './payment.metrics';
import { commandRefundAmount, refundableAmount, refundRefusal, validateRefundAmount } from '../domain/refund.rules';

export const SOURCE = 'payments';
/** Inbox consumer name of payments.commands.v1. */
export const COMMANDS_CONSUMER = 'payments.commands';

export const isPaymentId = (id: string) => isUuid(id);

const originOf = (row: Origin): EventOrigin => ({
  source: SOURCE,
  correlationId: row.correlationId ?? undefined,
  causationId: row.causationId,
  traceparent: row.traceparent,
});
const originFrom = (event: EventEnvelope): Origin => ({ correlationId: event.correlationId, causationId: event.id, traceparent: event.traceparent });

/** PaymentRefunded for a completed refund (with its returnId when it was for a return). */
const refundedEvent = (payment: PaymentEntity, refund: RefundEntity, origin: EventOrigin): EventEnvelope<'PaymentRefunded'> =>
  createEvent(
    'PaymentRefunded',
    payment.orderId,
    {
      orderId: payment.orderId,
      paymentId: payment.id,
      amount: { amount: refund.amount, currency: payment.currency.trim() },
      ...(refund.returnId ? { returnId: refund.returnId } : {}),
    },
    origin,
  );

/** The event announcing a final payment outcome; null for statuses that announce none. */
export function outcomeEvent(p: PaymentEntity, origin: EventOrigin): EventEnvelope | null {
  const base = { orderId: p.orderId, paymentId: p.id };
  switch (p.status) {
    case 'CAPTURED':
      return createEvent('PaymentCaptured', p.orderId, { ...base, amount: { amount: p.amount, currency: p.currency.trim() } }, origin);
    case 'DECLINED':
      return createEvent('PaymentDeclined', p.orderId, { ...base, reason: p.failureReason ?? 'declined' }, origin);
    case 'FAILED':
      return createEvent('PaymentFailed', p.orderId, { ...base, reason: p.failureReason ?? 'failed' }, origin);
    default:
      return null;
  }
}

/** Stored instead of a payment token that is no provider token (see authorize). */
const REFUSED_TOKEN = 'refused';
/** failureReason of a payment declined because its token was no provider token. */
export const INVALID_TOKEN_REASON = 'invalid_payment_token';

function toResult(outcome: ChargeOutcome): PaymentResult {
  switch (outcome.kind) {
    case 'captured':
      return { status: 'CAPTURED', providerChargeId: outcome.chargeId, cardBrand: outcome.cardBrand, cardLast4: outcome.cardLast4 };
    case 'declined':
      return { status: 'DECLINED', failureReason: outcome.reason, outcomeUnknown: false };
    case 'failed':
      return { status: 'FAILED', failureReason: outcome.reason, outcomeUnknown: outcome.outcomeUnknown };
  }
}

/** How a refund attempt ended: done, refused by the provider, or still pending (retried by the recovery loop). */
export type RefundAttempt = { kind: 'done'; payment: PaymentEntity } | { kind: 'rejected'; reason: string } | { kind: 'pending'; reason: string };

/**
 * The payments domain: turns AuthorizePayment into one provider charge (PENDING row committed with
 * the inbox record, provider called outside any transaction, outcome + event committed together),
 * refunds bounded by what was captured, and the reads and admin refund behind the API.
 */
export class PaymentService {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: PaymentStore,
    private readonly provider: PaymentProvider,
    private readonly leaseMs: number,
    private readonly metrics: PaymentMetrics,
    private readonly log: Logger,
    /**
     * UNKNOWN_OUTCOME_SETTLE_MS: "no charge" is believed only once the payment was recorded FAILED
     * this long ago and the provider has answered "no charge" for this long (see checkLateCapture).
     */
    private readonly unknownOutcomeSettleMs = 300_000,
  ) {}

  /**
   * When this process first heard the provider answer "no charge" for a payment whose outcome is
   * unknown. In memory: a restart, or a replica taking the payment over, starts the window again,
   * which only delays the verdict.
   */
  private readonly absentSince = new Map<string, number>();

  // ───────────── saga commands ─────────────

  /**
   * AuthorizePayment: records the PENDING payment with the inbox record, then charges in the
   * background (the offset may be committed meanwhile: a crash leaves the row PENDING for the
   * recovery loop). A command for an order that already has a payment re-announces its outcome.
   */
  async authorize(command: EventEnvelope<'AuthorizePayment'>): Promise<void> {
    const { orderId, customerId, amount } = command.payload;
    // Orders refuses anything but provider tokens; should a card number arrive anyway, it is
    // never stored nor sent on: the payment is recorded with a placeholder and declined.
    const paymentToken = isProviderToken(command.payload.paymentToken) ? command.payload.paymentToken : REFUSED_TOKEN;
    if (paymentToken === REFUSED_TOKEN) this.log.warn({ orderId }, 'AuthorizePayment carried no provider token; declining without calling the provider');
    let created: PaymentEntity | null = null;
    await processOnce(this.dataSource, COMMANDS_CONSUMER, command, async (manager) => {
      created = await this.store.insertPending(
        manager,
        { id: randomUUID(), orderId, customerId, amount: amount.amount, currency: amount.currency, paymentToken, ...originFrom(command) },
        this.leaseMs,
      );
      if (created) return;
      const existing = await this.store.findByOrderId(orderId, manager);
      // Still PENDING: whoever holds it (this process or a recovery loop) will announce the outcome.
      const event = existing ? outcomeEvent(existing, causedBy(command, SOURCE)) : null;
      if (event) await enqueueEvents(manager, [event]);
    });
    const payment: PaymentEntity | null = created;
    if (payment) this.track(this.charge(payment));
  }

  /**
   * RefundPayment: refunds what is left (or the amount asked, at most what is left); nothing
   * captured → nothing happens. With a returnId (a received return) at most once per return: a
   * command sent again for a return already refunded announces that refund again (so orders is
   * answered) and one still under way is left to finish.
   */
  async refundForOrder(command: EventEnvelope<'RefundPayment'>): Promise<void> {
    let reserved: RefundEntity | null = null;
    const returnId = command.payload.returnId ?? null;
    await processOnce(this.dataSource, COMMANDS_CONSUMER, command, async (manager) => {
      if (returnId) {
        const earlier = await this.store.refundOfReturn(manager, returnId);
        if (earlier) {
          this.log.info({ orderId: command.payload.orderId, returnId, refundId: earlier.id, status: earlier.status }, 'RefundPayment: this return is already refunded');
          const payment = earlier.status === 'SUCCEEDED' ? await this.store.findById(earlier.paymentId, manager) : null;
          if (payment) await enqueueEvents(manager, [refundedEvent(payment, earlier, causedBy(command, SOURCE))]);
          return;
        }
      }
      const payment = await this.store.findByOrderId(command.payload.orderId, manager);
      const left = payment ? refundableAmount(payment) : 0;
      if (!payment || left === 0) {
        this.log.info({ orderId: command.payload.orderId, status: payment?.status ?? null }, 'RefundPayment: nothing captured to refund');
        return;
      }
      const amount = commandRefundAmount(command.payload.amount, left);
      const result = await this.store.reserveRefund(manager, payment.id, amount, randomUUID(), originFrom(command), this.leaseMs, returnId);
      reserved = result?.refund ?? null;
    });
    const refund: RefundEntity | null = reserved;
    if (refund) this.track(this.executeRefund(refund));
  }

  // ───────────── provider phase (also used by the recovery loop) ─────────────

  /** Charges a PENDING payment (idempotency key = payment id) and records the outcome. */
  async charge(payment: PaymentEntity): Promise<void> {
    if (!isProviderToken(payment.paymentToken)) return this.finish(payment, { kind: 'declined', reason: INVALID_TOKEN_REASON });
    const outcome = await this.provider.charge({
      idempotencyKey: payment.id,
      amount: payment.amount,
      currency: payment.currency.trim(),
      token: payment.paymentToken,
      metadata: { order_id: payment.orderId, payment_id: payment.id },
    });
    await this.finish(payment, outcome);
  }

  /** Resumes a PENDING payment a dead or slow process left: ask the provider first, charge only if it holds no charge. */
  async resume(payment: PaymentEntity): Promise<void> {
    const lookup = await this.provider.findCharge(payment.id);
    if (lookup.kind === 'found') return this.finish(payment, { kind: 'captured', ...lookup.charge });
    if (lookup.kind === 'unknown') {
      this.log.warn({ paymentId: payment.id, reason: lookup.reason }, 'cannot reconcile a pending payment yet; will retry');
      return;
    }
    await this.charge(payment);
  }

  /** Checks a FAILED payment whose outcome was unknown: a charge that landed after all makes it CAPTURED (orders then refunds a cancelled order). */
  async checkLateCapture(payment: PaymentEntity): Promise<void> {
    const lookup = await this.provider.findCharge(payment.id);
    if (lookup.kind === 'absent') {
      // A request the provider still holds may make the charge after this lookup (a stalled provider
      // answering its queue once it is back): "no charge" is believed only once the call is old
      // enough AND the provider has been answering "no charge" for as long. Counting from the call
      // alone is not enough: a provider frozen for longer than the window would have its first
      // answer believed at once, before it works off the charges it held.
      const now = Date.now();
      const answeringSince = this.absentSince.get(payment.id) ?? now;
      this.absentSince.set(payment.id, answeringSince);
      const callAge = now - new Date(payment.updatedAt).getTime();
      if (callAge >= this.unknownOutcomeSettleMs && now - answeringSince >= this.unknownOutcomeSettleMs) {
        await this.store.clearUnknownOutcome(payment.id);
        this.absentSince.delete(payment.id);
      }
      return;
    }
    this.absentSince.delete(payment.id);
    if (lookup.kind === 'unknown') return;
    const charge = lookup.charge;
    await this.dataSource.transaction(async (manager) => {
      const updated = await this.store.recordLateCapture(manager, payment.id, {
        providerChargeId: charge.chargeId,
        cardBrand: charge.cardBrand,
        cardLast4: charge.cardLast4,
      });
      const event = updated ? outcomeEvent(updated, originOf(updated)) : null;
      if (event) {
        await enqueueEvents(manager, [event]);
        this.metrics.finalized.inc({ status: 'CAPTURED' });
        this.log.warn({ paymentId: payment.id, orderId: payment.orderId }, 'a charge landed after the payment was recorded FAILED: now CAPTURED');
      }
    });
  }

  /** Records the outcome on the still-PENDING payment and enqueues its event in the same transaction. */
  private async finish(payment: PaymentEntity, outcome: ChargeOutcome): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const updated = await this.store.recordResult(manager, payment.id, toResult(outcome));
      if (!updated) return; // someone else recorded it first; their event stands
      const event = outcomeEvent(updated, originOf(updated));
      if (event) await enqueueEvents(manager, [event]);
      this.metrics.finalized.inc({ status: updated.status });
    });
  }

  /** Asks the provider for a reserved refund (idempotency key = refund id) and records the answer. */
  async executeRefund(refund: RefundEntity): Promise<RefundAttempt> {
    const payment = await this.store.findById(refund.paymentId);
    if (!payment?.providerChargeId) {
      await this.dataSource.transaction((m) => this.store.failRefund(m, refund.id, 'no_charge'));
      return { kind: 'rejected', reason: 'no_charge' };
    }
    const outcome = await this.provider.refund({ idempotencyKey: refund.id, chargeId: payment.providerChargeId, amount: refund.amount });
    if (outcome.kind === 'rejected') {
      this.log.error({ refundId: refund.id, paymentId: payment.id, reason: outcome.reason }, 'the provider refused a refund');
      await this.dataSource.transaction((m) => this.store.failRefund(m, refund.id, outcome.reason));
      return { kind: 'rejected', reason: outcome.reason };
    }
    // Money owed back is never given up on: a refund that failed for a passing reason stays
    // PENDING and the recovery loop asks again with the same key once its lease ends.
    if (outcome.kind === 'failed') return { kind: 'pending', reason: outcome.reason };
    const done = await this.dataSource.transaction(async (manager) => {
      const completed = await this.store.completeRefund(manager, refund.id, outcome.refundId);
      if (!completed) return null;
      const { payment: after } = completed;
      await enqueueEvents(manager, [refundedEvent(after, refund, originOf(refund))]);
      if (after.status === 'REFUNDED') this.metrics.finalized.inc({ status: 'REFUNDED' });
      return after;
    });
    return { kind: 'done', payment: done ?? (await this.store.findById(refund.paymentId))! };
  }

  // ───────────── API ─────────────

  /** payment(id): the order's customer or an ADMIN; others FORBIDDEN; unknown (or malformed) ids null. */
  async paymentById(ctx: RequestContext & { loaders: { paymentById: { load(id: string): Promise<Payment | null> } } }, id: string): Promise<Payment | null> {
    requireViewer(ctx);
    if (!isPaymentId(id)) return null;
    const payment = await ctx.loaders.paymentById.load(id.toLowerCase());
    return payment ? this.visible(ctx, payment) : null;
  }

  /** Throws FORBIDDEN unless the viewer is the payment's customer or an ADMIN. */
  visible(ctx: RequestContext, payment: Payment): Payment {
    const viewer = requireViewer(ctx);
    if (viewer.role !== 'ADMIN' && viewer.id !== payment.customerId) throw forbidden('Only the customer of the order or an ADMIN may see its payment');
    return payment;
  }

  /** refundPayment (ADMIN): refunds `amount` (null = all that is left) of a captured payment, never more than is left. */
  async refundPayment(ctx: RequestContext, paymentId: string, amount: number | null): Promise<PaymentPayload> {
    requireAdmin(ctx);
    if (!isPaymentId(paymentId)) return PaymentPayload.failed(UserError.of(UserErrorCode.NOT_FOUND, 'No such payment', ['paymentId']));
    const invalid = validateRefundAmount(amount);
    if (invalid) return PaymentPayload.failed(invalid);
    const id = paymentId.toLowerCase();
    const origin: Origin = { correlationId: ctx.requestId, causationId: null, traceparent: null };
    const reserved = await this.dataSource.transaction((m) => this.store.reserveRefund(m, id, amount, randomUUID(), origin, this.leaseMs));
    if (!reserved) return PaymentPayload.failed(refundRefusal(await this.store.findById(id), amount));
    const attempt = await this.executeRefund(reserved.refund);
    if (attempt.kind === 'done') return PaymentPayload.of(toPayment(attempt.payment));
    const now = (await this.store.findById(id))!;
    if (attempt.kind === 'rejected') {
      return PaymentPayload.of(toPayment(now), UserError.of(UserErrorCode.CONFLICT, `The payment provider refused the refund (${attempt.reason})`));
    }
    return PaymentPayload.of(
      toPayment(now),
      UserError.of(UserErrorCode.CONFLICT, `The payment provider did not confirm the refund yet (${attempt.reason}); it is retried automatically`),
    );
  }

  // ───────────── lifecycle ─────────────

  /** Waits for provider calls started in the background (on stop). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<unknown>): void {
    const tracked = work
      .catch((error: unknown) => this.log.error({ err: error }, 'payment work failed; the recovery loop will resume it'))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}
