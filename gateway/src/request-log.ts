import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { ApolloServerPlugin } from '@apollo/server';
import { currentLogFields, parseTraceparent, runWithLogFields, tracingActive, type Logger } from '@shopgraph/kit';

// The gateway's request log and trace hand-off. One JSON line per GraphQL request over HTTP
// (operation, duration, HTTP status, outcome and error codes, request id, trace id, viewer id);
// never the query text, variables or tokens. REQUEST_LOG: "all" (default: every request, at info),
// "errors" (only requests that answered errors, at warn) or "off".

type RequestLogMode = 'all' | 'errors' | 'off';

export function requestLogMode(env: NodeJS.ProcessEnv = process.env): RequestLogMode {
  const mode = (env.REQUEST_LOG ?? 'all').toLowerCase();
  return mode === 'errors' || mode === 'off' ? mode : 'all';
}

/**
 * Express middleware for /graphql (after the body parser): fixes the request id (the client's
 * x-request-id or a new one, echoed in the response) and runs the rest of the request with it in
 * every log line.
 */
export function requestIds(): RequestHandler {
  return (req, res, next) => {
    const given = req.header('x-request-id');
    const requestId = given && given.length <= 200 ? given : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    runWithLogFields({ requestId }, next);
  };
}

/**
 * The `traceparent` the gateway sends a subgraph itself: none while the tracing SDK runs (fetch
 * instrumentation puts the gateway's own client span there), the client's header otherwise.
 */
export function forwardedTraceparent(clientTraceparent: string | undefined): string | undefined {
  return tracingActive() ? undefined : clientTraceparent;
}

interface LoggedContext {
  requestId?: string;
  traceparent?: string;
  viewer?: { id: string } | null;
}

/** Apollo plugin writing the request log line (see above). */
export function requestLogPlugin<C extends LoggedContext>(log: Logger, mode: RequestLogMode = requestLogMode()): ApolloServerPlugin<C> {
  if (mode === 'off') return {};
  return {
    async requestDidStart({ contextValue, request }) {
      const started = process.hrtime.bigint();
      if (!request.http) return {}; // in-process executions (subscription selections) are not HTTP requests
      // With tracing on, the server span's trace id (the log mixin adds it); else the client's.
      const clientTrace = parseTraceparent(contextValue.traceparent)?.traceId;
      return {
        async willSendResponse({ response, errors, operationName, operation }) {
          const codes = [...new Set((errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
          const failed = codes.length > 0;
          if (mode === 'errors' && !failed) return;
          // The log mixin already adds what the request's context holds (request id, trace id).
          const ambient = currentLogFields();
          const fields = {
            ...(ambient.requestId ? {} : { requestId: contextValue.requestId }),
            operationName: operationName ?? null,
            operationType: operation?.operation ?? null,
            status: response.http.status ?? 200,
            outcome: failed ? 'error' : 'ok',
            ...(failed ? { errorCodes: codes } : {}),
            durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
            viewerId: contextValue.viewer?.id ?? null,
            ...(ambient.traceId ? {} : clientTrace ? { traceId: clientTrace } : {}),
          };
          if (failed) log.warn(fields, 'graphql request');
          else log.info(fields, 'graphql request');
        },
      };
    },
  };
}
