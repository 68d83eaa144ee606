import 'reflect-metadata';
import { defineSubgraph, type ServiceOf } from '@shopgraph/service';
import { inventoryConfigSchema, type InventoryConfig } from './config';
import { createLoaders, type InventoryServices } from './context';
import { entities } from './entities';
import { handleInventoryCommand } from './events/inventory-command.handler';
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

/**
 * The inventory subgraph: stock in PostgreSQL, events out through the outbox, products.v1 (a stock
 * record per new product) and inventory.commands.v1 (the saga's reservations) in, and the sweeper
 * that releases expired reservations.
 */
export const inventorySubgraph = defineSubgraph({
  name: 'inventory',
  config: inventoryConfigSchema,
  schema: buildInventorySchema,
  stores: { postgres: { entities, migrations } },
  topics: ['products', 'inventory', 'inventoryCommands'],
  outbox: { store: 'postgres' },
  wire: ({ dataSource, config, log }) => {
    const stockStore = new StockStore(dataSource);
    const services: InventoryServices = {
      stock: new StockService(dataSource, stockStore),
      reservations: new ReservationService(dataSource, stockStore, new ReservationStore(), config.RESERVATION_TTL_SECONDS),
    };
    return { services, stockStore, sweeper: new ReservationSweeper(services.reservations, config.SWEEP_INTERVAL_MS, log) };
  },
  consumers: ({ dataSource, services }) => {
    const command = (event: Parameters<typeof handleInventoryCommand>[2]) => handleInventoryCommand(dataSource, services.reservations, event);
    return {
      // Stock records: a brand-new group reads products.v1's history (README: KAFKA_FROM_BEGINNING).
      products: { topics: ['products'], fromBeginning: true, handlers: { ProductCreated: (event) => handleProductCreated(dataSource, services.stock, event), ProductUpdated: (event) => handleProductCreated(dataSource, services.stock, event) } },
      // The saga's commands: never replayed into a brand-new group.
      commands: { topics: ['inventoryCommands'], handlers: { ReserveStock: command, ReleaseStock: command, CommitStock: command, RestockReturn: command } },
    };
  },
  tasks: ({ sweeper }) => [sweeper],
  context: (base, { services, stockStore }) => ({ ...base, services, loaders: createLoaders(stockStore) }),
});

/** A ready-to-start inventory subgraph (`dataSource`, `services`, `sweeper`, `start()`, `stop()`, …). */
export type InventoryService = ServiceOf<typeof inventorySubgraph>;

/** Opens the inventory subgraph (database migrated, Kafka connected); `start()` starts the relay, sweeper, consumers and server. */
export function createInventoryService(config: InventoryConfig): Promise<InventoryService> {
  return inventorySubgraph.create(config);
}
