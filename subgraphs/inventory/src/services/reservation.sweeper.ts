import { PeriodicTask, type Logger } from '@shopgraph/kit';
import type { ReservationService } from './reservation.service';

/**
 * Every `intervalMs`, releases the reservations whose TTL has passed (batches of 100 until none
 * are left). Several replicas can run it together: the batches are locked with SKIP LOCKED.
 */
export class ReservationSweeper {
  private readonly task: PeriodicTask;

  constructor(
    private readonly reservations: ReservationService,
    intervalMs: number,
    private readonly log: Logger,
  ) {
    this.task = new PeriodicTask('reservation sweep', intervalMs, () => this.sweep(), log);
  }

  start(): void {
    this.task.start();
  }

  /** Stops scheduling and waits for a sweep in progress. */
  async stop(): Promise<void> {
    await this.task.stop();
  }

  /** Releases every expired reservation now; returns how many it released. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const released = await this.reservations.releaseExpired(100);
      total += released.length;
      if (released.length > 0) this.log.info({ orderIds: released }, 'released expired reservations');
      if (released.length < 100 || this.task.stopped) return total;
    }
  }
}
