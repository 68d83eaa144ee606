import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import type { Admin, Producer } from 'kafkajs';
import { createDataSource, createLogger, createMetricsRegistry, createSubgraphServer, namespaceOf, openDatabase, postgresDeadlines } from '@shopgraph/kit';
import {
  createKafka,
  createProducer,
  ensureTopics,
  PostgresOutboxRelay,
  startConsumer,
  topicsIn,
  type EventEnvelope,
  type RunningConsumer,
} from '@shopgraph/events';
import type { InventoryConfig } from './config';
import { createLoaders, type InventoryContext, type InventoryServices } from './context';
import { entities } from './entities';
import { handleInventoryCommand, type InventoryCommand } from './events/inventory-command.handler';
import { handleProductCreated } from './events/product-created.handler';
import { migrations } from './migrations';
import { buildInventorySchema } from './schema';
import { ReservationService } from './services/reservation.service';
import { ReservationSweeper } from './services/reservation.sweeper';
import { StockService } from './services/stock.service';
import { ReservationStore } from './stores/reservation.store';
import { StockStore } from './stores/stock.store';

export { loadInventoryConfig, inventoryConfigSchema, type InventoryConfig } from './config';
export { ReservationService, type ReserveOutcome, type FinishOutcome } from './services/reservation.service';
export { seedInventory } from './seed';

/** A ready-to-start inventory subgraph. */
export interface InventoryService {
  /** Starts the outbox relay, the consumers, the sweeper, then listens (PORT 0 picks a free port). */
  start(): Promise<{ url: string; port: number }>;
  /** Stops the HTTP server, consumers, sweeper and relay, then closes Kafka and PostgreSQL. */
  stop(): Promise<void>;
  dataSource: DataSource;
  services: InventoryServices;
  sweeper: ReservationSweeper;
}


/**
 * Wires the inventory subgraph: opens its database (applying migrations), connects Kafka
 * (topics, producer, outbox relay, products.v1 and inventory.commands.v1 consumers), and
 * builds the server with GraphQL, health and metrics.
 */
export async function createInventoryService(config: InventoryConfig): Promise<InventoryService> {
  const log = createLogger('inventory', config.LOG_LEVEL);
  // Topics and the consumer group are named in the run's namespace (SG_NAMESPACE; empty = live).
  const ns = namespaceOf(config, { postgres: [config.DATABASE_URL] });
  const Topics = topicsIn(ns);
  const metrics = createMetricsRegistry('inventory');
  const dataSource = createDataSource({ url: config.DATABASE_URL, entities, migrations, metrics, deadlines: postgresDeadlines(config) });
  await openDatabase(dataSource, config.DATABASE_URL, log);

  const kafka = createKafka(config.KAFKA_BROKERS, 'inventory', log);
  let producer: Producer | null = null;
  let admin: Admin | null = null;
  try {
    await ensureTopics(kafka, [Topics.products, Topics.inventory, Topics.inventoryCommands]);
    producer = await createProducer(kafka);
    admin = kafka.admin();
    await admin.connect();
  } catch (error) {
    await Promise.allSettled([producer?.disconnect(), admin?.disconnect(), dataSource.destroy()]);
    throw error;
  }
  const kafkaAdmin = admin;
  const kafkaProducer = producer;

  const stockStore = new StockStore(dataSource);
  const services: InventoryServices = {
    stock: new StockService(dataSource, stockStore),
    reservations: new ReservationService(dataSource, stockStore, new ReservationStore(), config.RESERVATION_TTL_SECONDS),
  };
  const relay = new PostgresOutboxRelay({ dataSource, url: config.DATABASE_URL, producer: kafkaProducer, namespace: ns, log, metrics });
  const sweeper = new ReservationSweeper(services.reservations, config.SWEEP_INTERVAL_MS, log);

  const consumes = new Set(config.CONSUMERS);
  const topics = [...(consumes.has('products') ? [Topics.products] : []), ...(consumes.has('commands') ? [Topics.inventoryCommands] : [])];
  const handle = async (event: EventEnvelope) => {
    if (event.type === 'ProductCreated') await handleProductCreated(dataSource, services.stock, event as EventEnvelope<'ProductCreated'>);
    else if (event.type === 'ReserveStock' || event.type === 'ReleaseStock' || event.type === 'CommitStock') {
      await handleInventoryCommand(dataSource, services.reservations, event as InventoryCommand);
    }
  };
  let consumer: RunningConsumer | null = null;

  const server = createSubgraphServer<InventoryContext>({
    name: 'inventory',
    schema: await buildInventorySchema(),
    config,
    log,
    metrics,
    readiness: { postgres: () => dataSource.query('SELECT 1'), kafka: () => kafkaAdmin.describeCluster(), consumer: async () => consumer?.check() },
    health: { liveness: { consumer: async () => consumer?.live() }, degraded: { outboxListener: () => relay.checkListening() } },
    context: (base) => ({ ...base, services, loaders: createLoaders(stockStore) }),
  });

  const stopAll = async () => {
    await server.stop();
    await consumer?.stop();
    await sweeper.stop();
    await relay.stop();
    await Promise.allSettled([kafkaProducer.disconnect(), kafkaAdmin.disconnect()]);
    await dataSource.destroy();
  };

  return {
    dataSource,
    services,
    sweeper,
    async start() {
      try {
        await relay.start();
        sweeper.start();
        if (topics.length > 0) {
          // Only products.v1 (stock records) reads a brand-new group's history; commands start at the newest offset (README: KAFKA_FROM_BEGINNING).
          const started = await startConsumer({ kafka, groupId: ns.group(config.KAFKA_GROUP_ID), topics, log, handle, fromBeginning: config.KAFKA_FROM_BEGINNING ? [Topics.products] : false, metrics });
          consumer = started;
        }
        return await server.start();
      } catch (error) {
        await stopAll().catch(() => undefined);
        throw error;
      }
    },
    stop: stopAll,
  };
}
