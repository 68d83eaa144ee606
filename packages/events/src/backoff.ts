/** Capped exponential backoff with jitter: `initialMs`, doubling per attempt, never above `maxMs`. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/** The delay before attempt `attempt` (0-based): full doubling, capped, then ±20 % jitter so many clients do not retry in step. */
export function backoffDelay(attempt: number, { initialMs, maxMs }: BackoffOptions): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  const jitter = base * 0.2 * (Math.random() * 2 - 1);
  return Math.max(0, Math.min(maxMs, Math.round(base + jitter)));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
