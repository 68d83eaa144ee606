import type { ApolloServerPlugin } from '@apollo/server';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** A Prometheus registry for one service, with Node's default metrics and the service label. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Bounds a label's values: the first `max` distinct values are kept as they are, every later
 * one becomes "other" (client-chosen operation names must not grow the series without end).
 */
export function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

/**
 * Apollo plugin recording operation latency and errors by code into `registry`. Operation
 * names label the series: the first `maxOperationNames` distinct ones, "other" afterwards.
 */
export function graphqlMetricsPlugin(registry: Registry, options: { maxOperationNames?: number } = {}): ApolloServerPlugin {
  const operationLabel = boundedLabel(options.maxOperationNames ?? 50);
  const duration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL operation latency by operation name and outcome',
    labelNames: ['operation', 'outcome'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'graphql_errors_total',
    help: 'GraphQL errors returned, by extensions.code',
    labelNames: ['code'],
    registers: [registry],
  });
  return {
    async requestDidStart() {
      const end = duration.startTimer();
      let operation = 'anonymous';
      return {
        async didResolveOperation(rc) {
          operation = operationLabel(rc.operationName ?? 'anonymous');
        },
        async didEncounterErrors(rc) {
          for (const e of rc.errors) errors.inc({ code: String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
        },
        async willSendResponse(rc) {
          const failed = rc.response.body.kind === 'single' && (rc.response.body.singleResult.errors?.length ?? 0) > 0;
          end({ operation, outcome: failed ? 'error' : 'ok' });
        },
      };
    },
  };
}
