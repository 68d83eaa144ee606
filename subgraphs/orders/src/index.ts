import 'reflect-metadata';
import { createLogger, stopOnSignals } from '@shopgraph/kit';
import { loadOrdersConfig } from './config';
import { createOrdersService } from './server';

/** Entry point: reads the configuration, starts the orders subgraph and stops it on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadOrdersConfig();
  const log = createLogger('orders', config.LOG_LEVEL);
  const service = await createOrdersService(config);
  await service.start();
  stopOnSignals(service.stop, log);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
