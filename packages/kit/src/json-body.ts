import express, { type ErrorRequestHandler, type RequestHandler } from 'express';

/** Where refused bodies are logged: one JSON line each (warn), without the body. */
export interface BodyErrorLog {
  warn(obj: object, msg: string): void;
}

function errorBody(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}

/**
 * JSON request bodies for a GraphQL endpoint, with every failure answered as a GraphQL-shaped
 * JSON error (never Express's HTML page, never a stack trace, in every mode):
 * a POST that is not `application/json` → 415, malformed JSON → 400, a body over `limit` → 413.
 */
export function jsonBody(limit: string, log?: BodyErrorLog): [RequestHandler, RequestHandler, ErrorRequestHandler] {
  const requireJson: RequestHandler = (req, res, next) => {
    if (req.method !== 'POST' || req.is('application/json')) {
      next();
      return;
    }
    log?.warn(
      {
        requestId: req.header('x-request-id'),
        method: req.method,
        path: req.path,
        status: 415,
        reason: 'content-type',
        contentType: req.header('content-type'),
      },
      'request body refused',
    );
    res.status(415).json(errorBody('POST bodies must be application/json', 'BAD_REQUEST'));
  };
  const parseErrors: ErrorRequestHandler = (error: { type?: string; status?: number; message?: string }, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (typeof error?.status === 'number' && error.status >= 400 && error.status < 500) {
      log?.warn(
        {
          requestId: req.header('x-request-id'),
          method: req.method,
          path: req.path,
          status: error.status,
          reason: error.type ?? error.message,
        },
        'request body refused',
      );
    }
    switch (error?.type) {
      case 'entity.parse.failed':
        res.status(400).json(errorBody('The request body is not valid JSON', 'BAD_REQUEST'));
        return;
      case 'entity.too.large':
        res.status(413).json(errorBody(`The request body is larger than ${limit}`, 'PAYLOAD_TOO_LARGE'));
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        res.status(415).json(errorBody('Unsupported body encoding or charset', 'BAD_REQUEST'));
        return;
      default:
        if (typeof error?.status === 'number' && error.status >= 400 && error.status < 500) {
          res.status(error.status).json(errorBody('The request body could not be read', 'BAD_REQUEST'));
          return;
        }
        next(error);
    }
  };
  return [requireJson, express.json({ limit }), parseErrors];
}

/** Last handlers of an app: unknown routes → 404 and any unhandled error → 500, both as JSON without details. */
export function jsonFallbacks(log?: { error(obj: object, msg: string): void }): [RequestHandler, ErrorRequestHandler] {
  return [
    (_req, res) => {
      res.status(404).json(errorBody('Not found', 'NOT_FOUND'));
    },
    (error: unknown, _req, res, next) => {
      if (res.headersSent) {
        next(error);
        return;
      }
      log?.error({ err: error }, 'unhandled error in an HTTP handler');
      res.status(500).json(errorBody('Internal server error', 'INTERNAL_SERVER_ERROR'));
    },
  ];
}
