import type { Logger } from '@shopgraph/kit';

/**
 * Logs an outage of a dependency once (at its first failure) and its end once, instead of one
 * line per retry; the attempts in between go to debug.
 */
export class OutageLog {
  private since: number | null = null;
  private attempts = 0;

  constructor(
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  get down(): boolean {
    return this.since !== null;
  }

  failed(error: unknown, message: string): void {
    this.attempts++;
    if (this.since === null) {
      this.since = Date.now();
      this.log.error({ err: error }, `${this.what} ${message}`);
    } else {
      this.log.debug({ err: error, attempts: this.attempts }, `${this.what} ${message}`);
    }
  }

  recovered(message: string): void {
    if (this.since === null) return;
    this.log.info({ downForMs: Date.now() - this.since, attempts: this.attempts }, `${this.what} recovered: ${message}`);
    this.since = null;
    this.attempts = 0;
  }
}
