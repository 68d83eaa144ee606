import 'reflect-metadata';
import { defineSubgraph, type ServiceOf } from '@shopgraph/service';
import type { EventEnvelope } from '@shopgraph/events';
import { analyticsConfigSchema, type AnalyticsConfig } from './config';
import { migrations } from './migrations';
import { buildAnalyticsSchema } from './schema';
import { ReportService } from './services/report.service';
import { FiguresStore } from './stores/figures.store';

export { loadAnalyticsConfig, analyticsConfigSchema, type AnalyticsConfig } from './config';
export { FiguresStore, FOLD_CONSUMER } from './stores/figures.store';
export { foldInto, emptyDelta, eventTime, minuteOf, FOLDED_TYPES } from './domain/fold';

/**
 * The analytics subgraph: orders.v1 (order status changes, carts created) and payments.v1
 * (captures, refunds) folded into per-minute figures in PostgreSQL, each event exactly once (inbox
 * row in the same transaction), by the event's own time; admin reports over them.
 */
export const analyticsSubgraph = defineSubgraph({
  name: 'analytics',
  config: analyticsConfigSchema,
  schema: buildAnalyticsSchema,
  stores: { postgres: { entities: [], migrations } },
  wire: ({ dataSource, config }) => {
    const figures = new FiguresStore(dataSource, config.REPORT_CURRENCY);
    return { figures, reports: new ReportService(figures, config.REPORT_CURRENCY, config.REPORT_MAX_BUCKETS) };
  },
  consumers: ({ figures }) => {
    const fold = (event: EventEnvelope) => figures.fold([event]);
    return {
      // The figures are a replica of the whole history: a brand-new group (a new or rebuilt database) reads it all.
      facts: {
        topics: ['orders', 'payments'],
        fromBeginning: true,
        handlers: { OrderStatusChanged: fold, CartCreated: fold, PaymentCaptured: fold, PaymentRefunded: fold },
      },
    };
  },
  context: (base, { reports }) => ({ ...base, reports }),
});

/** A ready-to-start analytics subgraph (`dataSource`, `figures`, `reports`, `start()`, `stop()`, `handle()`, …). */
export type AnalyticsService = ServiceOf<typeof analyticsSubgraph>;

/** Opens the analytics subgraph (database migrated, Kafka connected); `start()` starts the consumer and the server. */
export function createAnalyticsService(config: AnalyticsConfig): Promise<AnalyticsService> {
  return analyticsSubgraph.create(config);
}
