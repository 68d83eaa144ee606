import { Counter, type Registry } from 'prom-client';
import type { Logger as TypeOrmLogger } from 'typeorm';

/** `store_queries_total{store}`: every query a service sends to its stores (the N+1 tests read it). */
export function storeQueryCounter(registry: Registry): Counter<'store'> {
  const existing = registry.getSingleMetric('store_queries_total');
  if (existing) return existing as Counter<'store'>;
  return new Counter({ name: 'store_queries_total', help: 'Queries sent to the service\'s stores', labelNames: ['store'], registers: [registry] });
}

/** TypeORM logger that only counts queries (TypeORM calls it for every query when `logging` includes "query"). */
export class CountingTypeOrmLogger implements TypeOrmLogger {
  constructor(private readonly counter: Counter<'store'>) {}
  logQuery(): void {
    this.counter.inc({ store: 'postgres' });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** Counts every command a MongoDB client sends; create the client with `monitorCommands: true`. */
export function countMongoCommands(client: { on(event: 'commandStarted', listener: () => void): unknown }, counter: Counter<'store'>): void {
  client.on('commandStarted', () => counter.inc({ store: 'mongodb' }));
}
