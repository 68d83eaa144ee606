import { Counter, Histogram, type Registry } from 'prom-client';

/** The notifications subgraph's own metrics. */
export interface NotificationMetrics {
  /** Notifications settled, by kind and final status (SENT, FAILED, SUPPRESSED). */
  settled: Counter<'kind' | 'status'>;
  /** SMTP attempts by outcome (accepted, retry, failed). */
  attempts: Counter<'outcome'>;
  /** Sends whose previous attempt was interrupted (the process died mid-send) and that were attempted again. */
  interrupted: Counter;
  /**
   * The residual duplicate window: from the SMTP server's acceptance of a message to the commit
   * of SENT. A crash inside it leaves the notification PENDING although the mail went out, and
   * it is sent again after the lease.
   */
  unrecordedWindow: Histogram;
  /** From the event's occurrence to the SMTP server's acceptance. */
  latency: Histogram<'kind'>;
}

export function createNotificationMetrics(registry: Registry): NotificationMetrics {
  return {
    settled: new Counter({
      name: 'notifications_settled_total',
      help: 'Notifications settled, by kind and final status',
      labelNames: ['kind', 'status'],
      registers: [registry],
    }),
    attempts: new Counter({
      name: 'notifications_smtp_attempts_total',
      help: 'SMTP attempts by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    interrupted: new Counter({
      name: 'notifications_interrupted_sends_total',
      help: 'Sends retried because the previous attempt never finished (process died mid-send)',
      registers: [registry],
    }),
    unrecordedWindow: new Histogram({
      name: 'notifications_unrecorded_window_seconds',
      help: 'Time from the SMTP server accepting a message to SENT being committed: the window in which a crash sends a mail twice',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'notifications_delivery_seconds',
      help: 'Time from the event to the SMTP server accepting its email',
      labelNames: ['kind'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
}
