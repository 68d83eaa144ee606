/** How the dispatcher retries a failed SMTP attempt. */
export interface RetryPolicy {
  /** Attempts in all (the first included) before a notification is FAILED. */
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/**
 * The wait before attempt `attempt + 1` after `attempt` attempts failed: exponential
 * (base * 2^(attempt-1), capped at max) with "equal jitter" (half fixed, half random), so
 * retries of many notifications after one outage do not hit the server in one burst.
 */
export function retryDelayMs(attempt: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/** What one failed SMTP attempt means for the notification. */
export type SendFailure = { permanent: boolean; reason: string };

/**
 * Classifies an SMTP error (nodemailer's: `responseCode` for an SMTP reply, `code` for connection
 * and protocol failures). A 5xx reply to the message (the server refuses it: bad recipient,
 * policy) will not change on retry: permanent. Everything else — 4xx (try later), refused or
 * dropped connections, timeouts, TLS hiccups, authentication against a server being restarted —
 * is retried.
 */
export function classifySmtpError(error: unknown): SendFailure {
  const e = (error ?? {}) as { responseCode?: unknown; code?: unknown; message?: unknown };
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : null;
  const code = typeof e.code === 'string' ? e.code : null;
  const message = typeof e.message === 'string' ? e.message : String(error);
  // Keep the reason short and free of anything but the server's reply (no stack, no credentials).
  const reason = `${code ?? 'SMTP'}${responseCode ? ` ${responseCode}` : ''}: ${message}`.slice(0, 300);
  const permanent = responseCode !== null && responseCode >= 500 && responseCode < 600 && code !== 'EAUTH';
  return { permanent, reason };
}

/** What to do after attempt number `attempts` failed with `failure`. */
export function afterFailure(
  attempts: number,
  failure: SendFailure,
  policy: RetryPolicy,
): { status: 'FAILED' } | { status: 'PENDING'; retryInMs: number } {
  if (failure.permanent || attempts >= policy.maxAttempts) return { status: 'FAILED' };
  return { status: 'PENDING', retryInMs: retryDelayMs(attempts, policy) };
}
