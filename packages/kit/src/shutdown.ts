import type { Logger } from './logger';
import { runningTracing } from './tracing';

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits; a second signal or a stop that takes
 * longer than `graceMs` exits at once.
 */
export function stopOnSignals(stop: () => Promise<void>, log: Logger, graceMs = 15000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    stop()
      // Spans still batched go out before the process ends.
      .finally(() => runningTracing()?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'error while shutting down');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
