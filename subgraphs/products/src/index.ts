import 'reflect-metadata';
import { createLogger, stopOnSignals } from '@shopgraph/kit';
import { loadProductsConfig } from './config';
import { createProductsService } from './server';

/** Entry point: reads the configuration, starts the products subgraph and stops it on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadProductsConfig();
  const log = createLogger('products', config.LOG_LEVEL);
  const service = await createProductsService(config);
  await service.start();
  stopOnSignals(service.stop, log);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
