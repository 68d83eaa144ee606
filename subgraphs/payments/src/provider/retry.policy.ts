/** One HTTP exchange with the provider, classified. */
export type AttemptResult =
  | { kind: 'ok'; status: number; body: unknown }
  /** 4xx: the provider looked at the request and refused it; 402 is a card decline. */
  | { kind: 'rejected'; status: number; code: string }
  /** 5xx: the provider failed; nothing was done, and the same key may be retried. */
  | { kind: 'server_error'; status: number }
  /** No answer in time: the provider may or may not have acted. */
  | { kind: 'timeout' }
  /** Connection refused/reset: treated like a timeout, since a reset can come after the provider acted. */
  | { kind: 'network_error'; message: string }
  /** The circuit breaker refused the call without sending it. */
  | { kind: 'breaker_open' };

/** What the adapter does next after an attempt. */
export type Decision = 'succeed' | 'decline' | 'reject' | 'retry' | 'reconcile' | 'give_up' | 'fail_fast';

/**
 * The outcome decision table. `attemptsLeft` counts retries still allowed after this attempt.
 * Declines and other 4xx are final and never retried; 5xx are retried; a timeout or network
 * error first asks the provider what happened (reconcile) before anything else.
 */
export function decide(result: AttemptResult, attemptsLeft: number): Decision {
  switch (result.kind) {
    case 'ok':
      return 'succeed';
    case 'rejected':
      return result.status === 402 ? 'decline' : 'reject';
    case 'breaker_open':
      return 'fail_fast';
    case 'server_error':
      return attemptsLeft > 0 ? 'retry' : 'give_up';
    case 'timeout':
    case 'network_error':
      return 'reconcile';
  }
}

/** After reconciling an unknown outcome: a charge found is captured; otherwise retry with the same key while attempts are left. */
export function decideAfterReconcile(lookup: 'found' | 'absent' | 'unknown', attemptsLeft: number): 'captured' | 'retry' | 'give_up' {
  if (lookup === 'found') return 'captured';
  return attemptsLeft > 0 ? 'retry' : 'give_up';
}

/**
 * Exponential backoff with full jitter before retry number `retry` (0 = the first retry):
 * a uniformly random delay in [0, min(maxMs, baseMs * 2^retry)].
 */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/** Maps an HTTP status (or its absence) to an attempt result; `body` is the parsed JSON answer. */
export function classifyAnswer(status: number, body: unknown): AttemptResult {
  if (status >= 200 && status < 300) return { kind: 'ok', status, body };
  if (status >= 500) return { kind: 'server_error', status };
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
  return { kind: 'rejected', status, code: typeof code === 'string' ? code : `http_${status}` };
}
