import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of the provider adapter. */
export interface ProviderMetrics {
  /** `payment_provider_calls_total{operation, outcome}`: every HTTP attempt (and every fail-fast refusal). */
  calls: Counter<'operation' | 'outcome'>;
  /** `payment_provider_call_duration_seconds{operation}`: latency of attempts that reached the provider. */
  latency: Histogram<'operation'>;
  /** `payment_provider_breaker_state`: 0 closed, 1 half-open, 2 open. */
  breakerState: Gauge;
}

/** Registers the provider metrics in `registry` (once per registry). */
export function createProviderMetrics(registry: Registry): ProviderMetrics {
  const existing = registry.getSingleMetric('payment_provider_calls_total');
  if (existing) {
    return {
      calls: existing as Counter<'operation' | 'outcome'>,
      latency: registry.getSingleMetric('payment_provider_call_duration_seconds') as Histogram<'operation'>,
      breakerState: registry.getSingleMetric('payment_provider_breaker_state') as Gauge,
    };
  }
  return {
    calls: new Counter({
      name: 'payment_provider_calls_total',
      help: 'Calls to the payment provider by operation (charge, find_charge, refund) and outcome',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'payment_provider_call_duration_seconds',
      help: 'Latency of payment provider calls by operation',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'payment_provider_breaker_state',
      help: 'Circuit breaker around the payment provider: 0 closed, 1 half-open, 2 open',
      registers: [registry],
    }),
  };
}
