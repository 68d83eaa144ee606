import 'reflect-metadata';
import { createLogger, stopOnSignals } from '@shopgraph/kit';
import { loadInventoryConfig } from './config';
import { createInventoryService } from './server';

/** Entry point: reads the configuration, starts the inventory subgraph and stops it on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadInventoryConfig();
  const log = createLogger('inventory', config.LOG_LEVEL);
  const service = await createInventoryService(config);
  await service.start();
  stopOnSignals(service.stop, log);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
