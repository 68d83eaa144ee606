import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { demoShippingMethods } from '@shopgraph/demo-data';
import { createDataSource, createLogger, openDatabase } from '@shopgraph/kit';
import { loadShippingConfig } from './config';
import { validateMethodInput } from './domain/method-input';
import { migrations } from './migrations';
import { MethodService, SOURCE } from './services/method.service';

/**
 * The demo shipping methods (Standard and Express to US, CA, DE, FR, GB) with their stable ids,
 * each with its ShippingMethodChanged in the outbox (so orders' replica learns them once the
 * service relays); a method that exists already is left as it is. Safe to run again.
 */
export async function seedShipping(dataSource: DataSource, defaultCurrency = 'USD'): Promise<{ created: number; existing: number }> {
  const methods = new MethodService(dataSource, defaultCurrency);
  const result = { created: 0, existing: 0 };
  await dataSource.transaction(async (manager) => {
    for (const demo of demoShippingMethods) {
      const checked = validateMethodInput(demo, defaultCurrency);
      if ('errors' in checked) throw new Error(`demo shipping method ${demo.name}: ${checked.errors.map((e) => e.message).join('; ')}`);
      const row = await methods.insert(manager, demo.id, checked.fields, { source: SOURCE });
      result[row ? 'created' : 'existing'] += 1;
    }
  });
  return result;
}

async function main(): Promise<void> {
  const config = loadShippingConfig();
  const log = createLogger('shipping-seed', config.LOG_LEVEL);
  const dataSource = await openDatabase(createDataSource({ url: config.DATABASE_URL, entities: [], migrations }), config.DATABASE_URL, log);
  try {
    const { created, existing } = await seedShipping(dataSource, config.DEFAULT_CURRENCY);
    console.log(`shipping seed: created ${created} shipping methods, already present ${existing}`);
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
