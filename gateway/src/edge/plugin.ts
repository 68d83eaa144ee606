import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
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

/**
 * The public edge inside Apollo Server, before any subgraph is called:
 *  - the token limit is graphql's own `maxTokens` (set in `parseOptions`); its syntax error is
 *    turned into QUERY_TOO_COMPLEX here;
 *  - a freshly parsed document is measured *before* validation (the validation rules never see
 *    an over-limit document), a cached one at operation resolution; each request is measured
 *    once, with its variables (they size lists);
 *  - rate limits are taken at operation resolution (the cost depends on the root fields) for
 *    HTTP requests; in-process executions (subscription deliveries) carry no client address and
 *    are not charged.
 * A refusal is thrown from the hook, so Apollo answers with that one error and its HTTP status.
 */
export function edgePlugin<C extends EdgeContext>(options: EdgePluginOptions): ApolloServerPlugin<C> {
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

  return {
    async requestDidStart() {
      let measured: OperationComplexity[] | null = null;
      const measure = (rc: GraphQLRequestContext<C>) => {
        if (measured || !rc.document) return measured;
        try {
          measured = assertWithinLimits(rc.document, rc.schema, rc.request.variables, limits, costModel);
        } catch (error) {
          if (error instanceof QueryTooComplexError) throw refuse(error);
          throw error;
        }
        return measured;
      };
      return {
        async parsingDidStart(rc) {
          // Synchronous on purpose: Apollo does not await this hook's result, but a synchronous
          // throw rejects its own (awaited) caller, which ends the request with our error.
          return ((error?: Error) => {
            if (!error) return;
            const tooLong = tokenLimitError(error, rc.source, limits.maxTokens);
            if (tooLong) throw refuse(tooLong);
          }) as unknown as () => Promise<void>;
        },
        async validationDidStart(rc) {
          measure(rc);
        },
        async didResolveOperation(rc) {
          const all = measure(rc) ?? [];
          if (!rateLimiter || !rc.contextValue.clientIp || !rc.operation) return;
          const index = rc.document!.definitions.filter((d) => d.kind === 'OperationDefinition').indexOf(rc.operation);
          const op = all[index];
          const cost = op ? requestCost(op.operation, op.rootFieldCounts, rateLimiter.costs) : 1;
          const viewer = rc.contextValue.viewer;
          const client = viewer ? `user:${viewer.id}` : `ip:${rc.contextValue.clientIp}`;
          const verdict = await rateLimiter.take(client, cost);
          if (!verdict.allowed) {
            refused.inc({ reason: 'rateLimit' });
            throw rateLimitedError(verdict.retryAfterSeconds);
          }
        },
      };
    },
  };
}
