import { GraphQLError } from 'graphql';

/** Seconds a client is told to wait before retrying a SERVICE_UNAVAILABLE answer (`extensions.retryAfter`). */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** A call that passed its deadline (see `withDeadline`); classified as a store being unavailable. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms} ms`);
  }
}

/**
 * Settles like `promise`, or rejects with DeadlineExceededError after `ms`. The underlying call is
 * not cancelled (its late result or error is ignored), so use it for reads and idempotent calls,
 * or on top of a driver deadline that does cancel.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(what, ms)), ms);
  });
  // A call that fails after the deadline has already answered must not surface as an unhandled rejection.
  promise.catch(() => undefined);
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The clean GraphQL error for a request whose datastore did not answer: no driver message, no stack. */
export function serviceUnavailable(
  message = 'The service is temporarily unavailable; try again shortly',
  retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS,
): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: retryAfterSeconds } });
}

const UNAVAILABLE_NAMES = new Set([
  'DeadlineExceededError',
  // ioredis: a command failed on every allowed reconnection
  'MaxRetriesPerRequestError',
  // mongodb
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoOperationTimeoutError',
  'MongoTimeoutError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  // kafkajs (a send on the request path)
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
]);

const UNAVAILABLE_MESSAGES = [
  // ioredis
  /^Command timed out$/,
  /enableOfflineQueue options is false/,
  /^Connection is closed\.?$/,
  /^Socket timeout\. Expecting data/,
  /^Reached the max retries per request limit/,
  // pg / pg-pool
  /^Query read timeout$/,
  /^timeout exceeded when trying to connect$/,
  /^Connection terminated/,
  /is not queryable$/,
];

// SQLSTATE: 57014 query_canceled (statement_timeout), 57P0x shutdown / cannot connect now,
// 53300 too_many_connections, 55P03 lock_not_available (lock_timeout); class 08 = connection exception.
const UNAVAILABLE_SQLSTATES = new Set(['57014', '57P01', '57P02', '57P03', '53300', '55P03']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
// MongoServerError codes: 50 MaxTimeMSExpired, 89 NetworkTimeout, 91 ShutdownInProgress, 189 PrimarySteppedDown, 262 ExceededTimeLimit.
const MONGO_UNAVAILABLE_CODES = new Set([50, 89, 91, 189, 262]);

function matchesOne(error: Record<string, unknown>): boolean {
  const name = typeof error.name === 'string' ? error.name : '';
  if (UNAVAILABLE_NAMES.has(name)) return true;
  const message = typeof error.message === 'string' ? error.message : '';
  if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  const code = error.code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    if (NETWORK_CODES.has(code)) return true;
  }
  if (typeof code === 'number' && name.startsWith('Mongo') && MONGO_UNAVAILABLE_CODES.has(code)) return true;
  return false;
}

/**
 * True when `error` (or what it wraps: `originalError`, `cause`, TypeORM's `driverError`,
 * AggregateError's `errors`) says a datastore or the broker did not answer in time or could not be
 * reached — as opposed to a bug or a refused write. Such a request is answered SERVICE_UNAVAILABLE.
 */
export function isStoreUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): boolean => {
    if (!value || typeof value !== 'object' || depth > 5 || seen.has(value)) return false;
    seen.add(value);
    const record = value as Record<string, unknown>;
    if (matchesOne(record)) return true;
    const nested = [record.originalError, record.cause, record.driverError, ...(Array.isArray(record.errors) ? record.errors : [])];
    return nested.some((inner) => visit(inner, depth + 1));
  };
  return visit(error, 0);
}
