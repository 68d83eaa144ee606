import type { Logger } from '@shopgraph/kit';
import type { ReservationService } from './reservation.service';

/**
 * Every `intervalMs`, releases the reservations whose TTL has passed (batches of 100 until none
 * are left). Several replicas can run it together: the batches are locked with SKIP LOCKED.
 */
export class ReservationSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly reservations: ReservationService,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops scheduling and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Releases every expired reservation now; returns how many it released. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const released = await this.reservations.releaseExpired(100);
      total += released.length;
      if (released.length > 0) this.log.info({ orderIds: released }, 'released expired reservations');
      if (released.length < 100 || this.stopped) return total;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .then(() => undefined)
        .catch((error: unknown) => this.log.error({ err: error }, 'reservation sweep failed; will retry'))
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.intervalMs);
  }
}
