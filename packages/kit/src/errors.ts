import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from './logger';
import { DEFAULT_RETRY_AFTER_SECONDS, isStoreUnavailable } from './unavailable';

/** Error codes whose messages are written for clients and may be shown as they are. */
const CLIENT_SAFE_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  // Input no schema type can refuse (control characters in text; see input-text.ts).
  'INVALID_INPUT',
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'RATE_LIMITED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  // Trusted-documents mode at the gateway: the operation is not in the manifest.
  'OPERATION_NOT_ALLOWED',
  'OPERATION_RESOLUTION_FAILURE',
  'QUERY_TOO_COMPLEX',
  // The gateway's own answer for fields of a subgraph that is down or too slow (names the subgraph, never a host).
  'SUBGRAPH_UNAVAILABLE',
  // A datastore or the broker did not answer within its deadline (see unavailable.ts); carries retryAfter.
  'SERVICE_UNAVAILABLE',
]);

export function unauthenticated(message = 'You must be signed in'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 200 } } });
}

export function forbidden(message = 'You are not allowed to do this'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

export function badUserInput(message: string, field?: string[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}) } });
}

/**
 * Apollo `formatError`: keeps client-facing errors, answers a datastore or broker that timed out
 * or cannot be reached with SERVICE_UNAVAILABLE (+ `retryAfter`), replaces everything else (driver
 * errors, bugs) with a generic INTERNAL_SERVER_ERROR after logging it. Never returns a stack trace.
 */
export function maskErrors(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && CLIENT_SAFE_CODES.has(code)) {
      const { stacktrace: _stack, exception: _exc, ...rest } = (formatted.extensions ?? {}) as Record<string, unknown>;
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: rest };
    }
    const original = unwrapResolverError(error);
    if (isStoreUnavailable(original)) {
      log.warn({ err: original, path: formatted.path }, 'a datastore did not answer in time; answering SERVICE_UNAVAILABLE');
      return {
        message: 'The service is temporarily unavailable; try again shortly',
        path: formatted.path,
        extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: DEFAULT_RETRY_AFTER_SECONDS },
      };
    }
    log.error({ err: original, path: formatted.path }, 'unexpected error in resolver');
    return {
      message: 'Internal server error',
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
