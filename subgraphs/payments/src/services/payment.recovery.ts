import { PeriodicTask, type Logger } from '@shopgraph/kit';
import type { PaymentStore } from '../stores/payment.store';
import type { PaymentMetrics } from './payment.metrics';
import type { PaymentService } from './payment.service';

/**
 * Resumes what a crashed (or stuck) process left unfinished, on start and every interval: PENDING
 * payments whose lease expired (reconciled by idempotency key before any charge), FAILED payments
 * whose outcome was unknown (a late charge makes them CAPTURED), and PENDING refunds. Rows are
 * claimed with FOR UPDATE SKIP LOCKED and a new lease, so replicas never resume the same one.
 */
export class PaymentRecovery {
  private readonly task: PeriodicTask;

  constructor(
    private readonly store: PaymentStore,
    private readonly payments: PaymentService,
    intervalMs: number,
    private readonly leaseMs: number,
    private readonly metrics: PaymentMetrics,
    private readonly log: Logger,
  ) {
    this.task = new PeriodicTask('recovery pass', intervalMs, () => this.runOnce(), log, { runAtStart: true });
  }

  start(): void {
    this.task.start();
  }

  async stop(): Promise<void> {
    await this.task.stop();
  }

  /** One pass over everything unfinished; resolves when the resumed work is done. */
  async runOnce(): Promise<number> {
    const [payments, unknown, refunds] = [
      await this.store.claimStalePending(this.leaseMs),
      await this.store.claimUnknownFailures(this.leaseMs),
      await this.store.claimStaleRefunds(this.leaseMs),
    ];
    if (payments.length + unknown.length + refunds.length > 0) {
      this.log.info({ payments: payments.length, unknownOutcomes: unknown.length, refunds: refunds.length }, 'recovery: resuming unfinished work');
    }
    const work = [
      ...payments.map((p) => this.payments.resume(p).then(() => this.metrics.recovered.inc({ kind: 'payment' }))),
      ...unknown.map((p) => this.payments.checkLateCapture(p).then(() => this.metrics.recovered.inc({ kind: 'late_capture' }))),
      ...refunds.map((r) => this.payments.executeRefund(r).then(() => this.metrics.recovered.inc({ kind: 'refund' }))),
    ];
    const results = await Promise.allSettled(work);
    for (const r of results) if (r.status === 'rejected') this.log.error({ err: r.reason }, 'recovery: resuming failed; will retry');
    return work.length;
  }
}
