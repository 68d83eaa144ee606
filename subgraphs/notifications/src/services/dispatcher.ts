import type { Logger } from '@shopgraph/kit';
import { linkExpired } from '../domain/notification-kind';
import { afterFailure, classifySmtpError, type RetryPolicy } from '../domain/send-policy';
import type { AnyData, OrderData } from '../domain/notification-data';
import type { NotificationStore, ClaimedNotification } from '../stores/notification.store';
import { renderMessage, type TemplateContext } from '../templates/templates';
import type { MailSender } from './smtp.sender';
import type { NotificationMetrics } from './notification.metrics';

export interface DispatcherOptions {
  store: NotificationStore;
  sender: MailSender;
  metrics: NotificationMetrics;
  log: Logger;
  retry: RetryPolicy;
  leaseMs: number;
  concurrency: number;
  intervalMs: number;
  recipientWaitMs: number;
  template: Omit<TemplateContext, 'name'>;
}

/**
 * Sends recorded notifications. The order of writes is what makes "exactly one email per event"
 * hold across crashes: the notification is recorded PENDING (by the event handler, with the
 * event's inbox row) before any SMTP traffic; each attempt is claimed (attempt counted, row
 * leased, marked in flight) before it starts; SENT is committed right after the server accepts.
 * A redelivered event finds its row and sends nothing. A process that dies mid-send leaves the
 * row PENDING and in flight; once its lease runs out, this loop (in any replica, or the
 * restarted process) sends it again — the reconcile step. The one window left is between the
 * server's acceptance and the SENT commit (metric notifications_unrecorded_window_seconds): a
 * crash exactly there sends the mail twice, with the same Message-ID.
 *
 * Woken at once when a notification is recorded; otherwise it scans every `intervalMs` (and
 * sooner when a retry falls due).
 */
export class Dispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private active = false;

  constructor(private readonly options: DispatcherOptions) {}

  start(): void {
    this.active = true;
    this.wake();
  }

  /** Runs a pass now (or right after the one in progress). */
  wake(): void {
    if (!this.active) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.pass()
      .catch((error: unknown) => this.options.log.error({ err: error }, 'notification dispatch failed; will retry'))
      .finally(() => {
        this.running = null;
        if (!this.active) return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else void this.scheduleNext();
      });
  }

  /** Stops scanning and waits for the sends in progress to be recorded. */
  async stop(): Promise<void> {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private async scheduleNext(): Promise<void> {
    let delay = this.options.intervalMs;
    try {
      const due = await this.options.store.nextDueAt();
      if (due) delay = Math.max(10, Math.min(delay, due.getTime() - Date.now() + 5));
    } catch {
      // The database is away: keep the regular interval.
    }
    if (!this.active || this.running) return;
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }

  /** One pass: resolve what later events taught, then send every due notification. */
  private async pass(): Promise<void> {
    const { store, concurrency, leaseMs, log } = this.options;
    const failed = await store.resolvePending(this.options.recipientWaitMs);
    if (failed > 0) log.warn({ failed }, 'notifications failed: no email address became known for their users');
    while (this.active) {
      const batch = await store.claimDue(concurrency, leaseMs);
      if (batch.length === 0) return;
      await Promise.all(batch.map((n) => this.sendOne(n)));
    }
  }

  private async sendOne(n: ClaimedNotification): Promise<void> {
    const { store, sender, metrics, log } = this.options;
    if (n.interrupted) {
      metrics.interrupted.inc();
      log.warn(
        { notificationId: n.id, kind: n.kind, attempts: n.attempts },
        'reconciling a send that was interrupted (its process died mid-send); sending again',
      );
    }
    let accepted: bigint;
    try {
      if (!n.data) throw Object.assign(new Error('the message data was erased'), { responseCode: 554 });
      // A reset or verification link that expired while the mail waited (SMTP away) is useless: fail it (554 = permanent).
      if (linkExpired(n.data)) throw Object.assign(new Error('its single-use link expired before it could be sent'), { responseCode: 554 });
      const message = renderMessage(n.kind, await this.completed(n), { ...this.options.template, name: await this.nameFor(n) });
      await sender.send({ ...message, to: n.recipient!, id: n.id });
      accepted = process.hrtime.bigint();
    } catch (error) {
      const failure = classifySmtpError(error);
      const outcome = afterFailure(n.attempts, failure, this.options.retry);
      await store.markAttemptFailed(n.id, outcome, failure.reason);
      metrics.attempts.inc({ outcome: outcome.status === 'FAILED' ? 'failed' : 'retry' });
      if (outcome.status === 'FAILED') {
        metrics.settled.inc({ kind: n.kind, status: 'FAILED' });
        log.error({ notificationId: n.id, kind: n.kind, attempts: n.attempts, reason: failure.reason }, 'notification FAILED');
      } else
        log.warn(
          { notificationId: n.id, kind: n.kind, attempts: n.attempts, retryInMs: outcome.retryInMs, reason: failure.reason },
          'SMTP attempt failed; retrying later',
        );
      return;
    }
    await store.markSent(n.id);
    metrics.unrecordedWindow.observe(Number(process.hrtime.bigint() - accepted) / 1e9);
    metrics.attempts.inc({ outcome: 'accepted' });
    metrics.settled.inc({ kind: n.kind, status: 'SENT' });
    metrics.latency.observe({ kind: n.kind }, (Date.now() - n.createdAt.getTime()) / 1000);
    log.info({ notificationId: n.id, kind: n.kind, attempts: n.attempts }, 'notification sent');
  }

  /** Order mails recorded before their order's summary was known take it from the projection now. */
  private async completed(n: ClaimedNotification): Promise<AnyData> {
    const data = n.data as AnyData;
    if (!n.orderId || !('summary' in data) || data.summary) return data;
    const order = await this.options.store.orderOf(null, n.orderId);
    return { ...(data as OrderData), summary: order?.summary ?? null };
  }

  private async nameFor(n: ClaimedNotification): Promise<string> {
    const data = n.data as AnyData;
    if ('name' in data && data.name) return data.name;
    if (n.userId) {
      const known = (await this.options.store.recipientsOf([n.userId])).get(n.userId);
      if (known?.name) return known.name;
    }
    return 'summary' in data && data.summary ? data.summary.shippingAddress.recipient : '';
  }
}
