import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { demoProducts } from '@shopgraph/demo-data';
import { createDataSource, createLogger, openDatabase } from '@shopgraph/kit';
import { loadInventoryConfig } from './config';
import { entities } from './entities';
import { migrations } from './migrations';
import { SOURCE, StockService } from './services/stock.service';
import { StockStore } from './stores/stock.store';

/** How many stock records (one per variant) the seed created, and how many were already there. */
export interface InventorySeedResult {
  created: number;
  existing: number;
}

/**
 * Gives every demo product its stock record (onHand = initialStock) unless it has one; safe to
 * run again, and agrees with the records ProductCreated would create (same ids, same numbers).
 */
export async function seedInventory(dataSource: DataSource): Promise<InventorySeedResult> {
  const stock = new StockService(dataSource, new StockStore(dataSource));
  const result: InventorySeedResult = { created: 0, existing: 0 };
  await dataSource.transaction(async (manager) => {
    for (const product of demoProducts) {
      // A product with options has a record per variant; one without, its default variant's (id = the product's).
      const items = product.variants?.map((v) => ({ id: v.id, initialStock: v.initialStock })) ?? [{ id: product.id, initialStock: product.initialStock }];
      for (const item of items) {
        const created = await stock.createForProduct(manager, item.id, item.initialStock, { source: SOURCE }, product.id);
        result[created ? 'created' : 'existing'] += 1;
      }
    }
  });
  return result;
}

async function main(): Promise<void> {
  const config = loadInventoryConfig();
  const log = createLogger('inventory-seed', config.LOG_LEVEL);
  const dataSource = await openDatabase(createDataSource({ url: config.DATABASE_URL, entities, migrations }), config.DATABASE_URL, log);
  try {
    const { created, existing } = await seedInventory(dataSource);
    console.log(`inventory seed: created ${created} stock records, already present ${existing}`);
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
