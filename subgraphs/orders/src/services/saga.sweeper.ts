import { PeriodicTask, type Logger } from '@shopgraph/kit';
import type { OrderStore } from '../stores/order.store';
import { SOURCE, type SagaService } from './saga.service';

const BATCH = 50;

/**
 * Every `intervalMs`, cancels the orders whose step timed out: PENDING past its reservation
 * deadline, AWAITING_PAYMENT past its payment deadline (see order-saga.ts for the compensations).
 * Replicas can sweep together: each batch is locked with FOR UPDATE SKIP LOCKED.
 */
export class SagaSweeper {
  private readonly task: PeriodicTask;

  constructor(
    private readonly saga: SagaService,
    private readonly orders: OrderStore,
    private readonly dataSource: import('typeorm').DataSource,
    intervalMs: number,
    private readonly log: Logger,
  ) {
    this.task = new PeriodicTask('saga sweep', intervalMs, () => this.sweep(), log);
  }

  start(): void {
    this.task.start();
  }

  /** Stops scheduling and waits for a sweep in progress. */
  async stop(): Promise<void> {
    await this.task.stop();
  }

  /** Times out every overdue order now; returns the ids of the orders it cancelled. */
  async sweep(): Promise<string[]> {
    const cancelled: string[] = [];
    for (;;) {
      const batch = await this.dataSource.transaction(async (manager) => {
        const overdue = await this.orders.lockOverdue(manager, BATCH);
        const applied = [];
        for (const order of overdue) {
          const input = order.status === 'PENDING' ? ({ type: 'ReservationTimedOut' } as const) : ({ type: 'PaymentTimedOut' } as const);
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
