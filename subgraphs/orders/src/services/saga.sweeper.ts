import { PeriodicTask, type Logger } from '@shopgraph/kit';
import type { OrderStore } from '../stores/order.store';
import { brokerTrouble, holdOff, judgeStep, type HoldPolicy } from '../domain/saga-clock';
import { SOURCE, type SagaService } from './saga.service';

const BATCH = 50;

/** When this replica's saga consumer last showed life (a fetch or a handled message). */
export class ConsumerActivity {
  private lastAt: number | null = null;
  /** Another source of the last fetch time (epoch ms), e.g. a consumer that replaces itself on restart. */
  probe?: () => number | null;

  /** Call on every fetch and every handled message. */
  seen(at = Date.now()): void {
    this.lastAt = at;
  }

  /** ms since the last sign of life; Infinity before the first fetch. */
  idleMs(now = Date.now()): number {
    const last = Math.max(this.lastAt ?? Number.NEGATIVE_INFINITY, this.probe?.() ?? Number.NEGATIVE_INFINITY);
    return now - last;
  }
}

export interface SweeperOptions {
  intervalMs: number;
  hold: HoldPolicy;
  /** The replica's saga consumer, when it runs one (its silence counts as broker trouble). */
  consumer?: ConsumerActivity;
}

/**
 * Every `intervalMs`, cancels (TIMED_OUT) the orders whose step timed out: PENDING past its
 * reservation deadline, AWAITING_PAYMENT past its payment deadline, each counted from when the
 * step's command left the outbox; holds off entirely while the broker is in trouble and for a
 * grace period after (the rule is in saga-clock.ts; the compensations in order-saga.ts).
 * Replicas can sweep together: each batch is locked with FOR UPDATE SKIP LOCKED.
 */
export class SagaSweeper {
  private readonly task: PeriodicTask;
  private lastTroubleAt: number | null = null;
  private holding: string | null = null;

  constructor(
    private readonly saga: SagaService,
    private readonly orders: OrderStore,
    private readonly dataSource: import('typeorm').DataSource,
    private readonly options: SweeperOptions,
    private readonly log: Logger,
  ) {
    this.task = new PeriodicTask('saga sweep', options.intervalMs, () => this.sweep(), log);
  }

  start(): void {
    this.task.start();
  }

  /** Stops scheduling and waits for a sweep in progress. */
  async stop(): Promise<void> {
    await this.task.stop();
  }

  /**
   * Whether steps may time out now (rule 2 of saga-clock.ts); logs when holding starts and ends.
   * Returns the reason to hold, or null.
   */
  async holdReason(): Promise<string | null> {
    const now = Date.now();
    const trouble = brokerTrouble({ consumerIdleMs: this.options.consumer?.idleMs(now), oldestUnsentMs: await this.orders.oldestUnsentMs() }, this.options.hold);
    if (trouble) this.lastTroubleAt = now;
    const { hold, why } = holdOff(now, trouble, this.lastTroubleAt, this.options.hold);
    if (hold && !this.holding) this.log.warn({ why }, 'saga timeouts on hold: the broker is or was just in trouble');
    if (!hold && this.holding) this.log.info({ was: this.holding }, 'saga timeouts running again');
    this.holding = hold ? why! : null;
    return this.holding;
  }

  /** Times out every overdue order now (unless holding off); returns the ids of the orders it cancelled. */
  async sweep(): Promise<string[]> {
    if (await this.holdReason()) return [];
    const cancelled: string[] = [];
    for (;;) {
      const batch = await this.dataSource.transaction(async (manager) => {
        const overdue = await this.orders.lockOverdue(manager, BATCH);
        const applied = [];
        for (const { order, command, now } of overdue) {
          const pending = order.status === 'PENDING';
          const verdict = judgeStep(now, order.deadlineAt!, command, this.saga.timeoutSeconds(pending ? 'reservation' : 'payment'));
          if (!verdict.due) {
            // The command left later than it was enqueued: its real deadline is later (never null
            // here: unsent commands are not returned), so this order is not looked at again before it.
            if (verdict.deadline) await this.orders.moveDeadline(manager, order.id, verdict.deadline);
            continue;
          }
          const input = pending ? ({ type: 'ReservationTimedOut' } as const) : ({ type: 'PaymentTimedOut' } as const);
          // The row is locked, so its version cannot move under us.
          applied.push(await this.saga.apply(manager, order, input, { source: SOURCE }));
        }
        return { size: overdue.length, applied };
      });
      this.saga.committed(batch.applied.map((a) => a.change));
      const ids = batch.applied.filter((a) => a.change).map((a) => a.order.id);
      if (ids.length > 0) this.log.info({ orderIds: ids }, 'cancelled orders whose saga step timed out');
      cancelled.push(...ids);
      if (batch.size < BATCH || this.task.stopped) return cancelled;
    }
  }
}
