import type { Logger } from './logger';
import { runWithLogFields } from './trace-context';

/**
 * Runs `work` every `intervalMs` (the next run is scheduled when the previous one ends, so runs
 * never overlap), logging failures and carrying on; `stop()` waits for a run in progress.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private active = false;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly work: () => Promise<unknown>,
    private readonly log: Logger,
    private readonly options: { runAtStart?: boolean } = {},
  ) {}

  /** True once stopped (or before start): long runs check it to end early. */
  get stopped(): boolean {
    return !this.active;
  }

  start(): void {
    this.active = true;
    if (this.options.runAtStart) this.run();
    else this.schedule();
  }

  async stop(): Promise<void> {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(): void {
    if (this.active) this.timer = setTimeout(() => this.run(), this.intervalMs);
  }

  private run(): void {
    if (!this.active) return;
    // Its log lines say which task wrote them.
    this.running = runWithLogFields({ task: this.name }, () => this.work())
      .then(() => undefined)
      .catch((error: unknown) => this.log.error({ err: error }, `${this.name} failed; will retry`))
      .finally(() => {
        this.running = null;
        this.schedule();
      });
  }
}
