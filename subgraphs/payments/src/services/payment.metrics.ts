import { Counter, type Registry } from 'prom-client';

/** Prometheus metrics of the payments domain. */
export interface PaymentMetrics {
  /** `payments_finalized_total{status}`: payments reaching CAPTURED, DECLINED, FAILED or REFUNDED. */
  finalized: Counter<'status'>;
  /** `payments_recovered_total{kind}`: unfinished work the recovery loop resumed. */
  recovered: Counter<'kind'>;
}

/** Registers the payments metrics in `registry`. */
export function createPaymentMetrics(registry: Registry): PaymentMetrics {
  return {
    finalized: new Counter({
      name: 'payments_finalized_total',
      help: 'Payments that reached a final status, by status',
      labelNames: ['status'],
      registers: [registry],
    }),
    recovered: new Counter({
      name: 'payments_recovered_total',
      help: 'Unfinished payments and refunds resumed by the recovery loop, by kind (payment, late_capture, refund)',
      labelNames: ['kind'],
      registers: [registry],
    }),
  };
}
