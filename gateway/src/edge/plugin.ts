import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { GraphQLError, parse, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { Counter, type Registry } from 'prom-client';
import type { Logger, Viewer } from '@shopgraph/kit';
import { assertWithinLimits, QueryTooComplexError, tokenLimitError, type ComplexityLimits, type CostModel, type OperationComplexity } from './complexity';
import { rateLimitedError, requestCost, type RateLimiter } from './rate-limit';

/** What the edge needs from the gateway's context. */
export interface EdgeContext {
  viewer: Viewer | null;
  /** The client's address (behind TRUSTED_PROXY_COUNT proxies); absent for in-process executions. */
  clientIp?: string;
}

export interface EdgePluginOptions {
  limits: ComplexityLimits;
  costModel: CostModel;
  /** Null = rate limiting off. */
  rateLimiter: RateLimiter | null;
  registry: Registry;
  log: Logger;
}

export interface EdgePlugin<C extends EdgeContext> extends ApolloServerPlugin<C> {
  /** Wraps Apollo's `formatError`: graphql's "more than N tokens" syntax error becomes QUERY_TOO_COMPLEX. */
  formatError(inner: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

/**
 * The public edge inside Apollo Server, before any subgraph is called:
 *  - the token limit is graphql's own `maxTokens` (set in `parseOptions`); `formatError` turns
 *    its syntax error into QUERY_TOO_COMPLEX;
 *  - a freshly parsed document is measured *before* validation: an over-limit one is swapped
 *    for a trivial placeholder, so the validation rules never walk it, and the placeholder is
 *    refused at operation resolution (Apollo turns an error thrown there into the response,
 *    with its HTTP status; thrown earlier it would be a 500). Apollo caches the placeholder
 *    under the query's hash, so a repeated attack is refused without being parsed again;
 *  - a cached valid document is measured at operation resolution; each request is measured
 *    once, with its variables (they size lists);
 *  - rate limits are taken at operation resolution (the cost depends on the root fields) for
 *    HTTP requests; in-process executions (subscription deliveries) carry no client address and
 *    are not charged.
 */
export function edgePlugin<C extends EdgeContext>(options: EdgePluginOptions): EdgePlugin<C> {
  const { limits, costModel, rateLimiter } = options;
  const refused = new Counter({
    name: 'gateway_refused_operations_total',
    help: 'Operations refused at the edge before any subgraph was called, by reason',
    labelNames: ['reason'],
    registers: [options.registry],
  });
  const refuse = (error: QueryTooComplexError) => {
    refused.inc({ reason: error.measure });
    return error;
  };

  // Placeholder documents standing for refused ones, with their refusal.
  const refusals = new WeakMap<DocumentNode, QueryTooComplexError>();

  return {
    formatError: (inner) => (formatted, error) => {
      const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
      if (formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED') {
        const tooLong = tokenLimitError(original, error instanceof GraphQLError ? error.source?.body : undefined, limits.maxTokens);
        if (tooLong) {
          refuse(tooLong);
          const { http: _http, ...extensions } = tooLong.extensions as Record<string, unknown>;
          return { message: tooLong.message, extensions };
        }
      }
      return inner(formatted, error);
    },
    async requestDidStart() {
      let measured: OperationComplexity[] | null = null;
      const measure = (rc: GraphQLRequestContext<C>) => {
        if (measured || !rc.document) return measured;
        measured = assertWithinLimits(rc.document, rc.schema, rc.request.variables, limits, costModel);
        return measured;
      };
      return {
        async validationDidStart(rc) {
          try {
            measure(rc);
          } catch (error) {
            if (!(error instanceof QueryTooComplexError)) throw error;
            const placeholder = parse('{ __typename }');
            refusals.set(placeholder, error);
            (rc as { document: DocumentNode }).document = placeholder;
          }
        },
        async didResolveOperation(rc) {
          const refusal = refusals.get(rc.document);
          if (refusal) throw refuse(refusal);
          let all: OperationComplexity[];
          try {
            all = measure(rc) ?? [];
          } catch (error) {
            if (error instanceof QueryTooComplexError) throw refuse(error);
            throw error;
          }
          if (!rateLimiter || !rc.contextValue.clientIp || !rc.operation) return;
          const index = rc.document!.definitions.filter((d) => d.kind === 'OperationDefinition').indexOf(rc.operation);
          const op = all[index];
          const cost = op ? requestCost(op.operation, op.rootFieldCounts, rateLimiter.costs) : 1;
          const viewer = rc.contextValue.viewer;
          const client = viewer ? `user:${viewer.id}` : `ip:${rc.contextValue.clientIp}`;
          const verdict = await rateLimiter.take(client, cost, op?.operation === 'mutation' ? op.rootFieldCounts : undefined);
          if (!verdict.allowed) {
            refused.inc({ reason: 'rateLimit' });
            throw rateLimitedError(verdict.retryAfterSeconds);
          }
        },
      };
    },
  };
}
