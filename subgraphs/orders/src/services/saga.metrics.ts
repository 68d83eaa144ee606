import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { isSettled, type OrderStatus } from '../domain/order-saga';

const BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** A status change that committed, for the metrics. */
export interface CommittedChange {
  from: OrderStatus;
  to: OrderStatus;
  reason: string | null;
  /** When the order entered `from`. */
  fromAt: Date;
  placedAt: Date;
  at: Date;
}

/** Prometheus metrics of the order saga: step durations, outcomes, and the outbox backlog. */
export class SagaMetrics {
  private readonly steps: Histogram<'from' | 'to'>;
  private readonly placedToSettled: Histogram<'status'>;
  private readonly outcomes: Counter<'status' | 'reason'>;
  private readonly placed: Counter;

  constructor(registry: Registry, outboxBacklog: () => Promise<number>) {
    this.steps = new Histogram({
      name: 'orders_saga_step_duration_seconds',
      help: 'Time an order spent in a status before moving on, by step (e.g. PENDING -> AWAITING_PAYMENT)',
      labelNames: ['from', 'to'],
      buckets: BUCKETS,
      registers: [registry],
    });
    this.placedToSettled = new Histogram({
      name: 'orders_saga_duration_seconds',
      help: 'Time from placing an order to the saga settling it (CONFIRMED or CANCELLED), by outcome',
      labelNames: ['status'],
      buckets: BUCKETS,
      registers: [registry],
    });
    this.outcomes = new Counter({
      name: 'orders_final_status_total',
      help: 'Orders the saga settled, by final status (CONFIRMED or CANCELLED) and cancellation reason',
      labelNames: ['status', 'reason'],
      registers: [registry],
    });
    this.placed = new Counter({ name: 'orders_placed_total', help: 'Orders placed (idempotent replays not counted)', registers: [registry] });
    new Gauge({
      name: 'outbox_backlog',
      help: 'Outbox events not yet published to Kafka',
      registers: [registry],
      async collect() {
        this.set(await outboxBacklog());
      },
    });
  }

  orderPlaced(): void {
    this.placed.inc();
  }

  /** Records a committed status change. */
  changed(change: CommittedChange): void {
    const seconds = (from: Date) => Math.max(0, (change.at.getTime() - from.getTime()) / 1000);
    this.steps.observe({ from: change.from, to: change.to }, seconds(change.fromAt));
    // The saga settles once: the first move from PENDING/AWAITING_PAYMENT to CONFIRMED or CANCELLED.
    if (!isSettled(change.from) && isSettled(change.to)) {
      this.outcomes.inc({ status: change.to, reason: change.reason ?? '' });
      this.placedToSettled.observe({ status: change.to }, seconds(change.placedAt));
    }
  }
}
