import 'reflect-metadata';
import { createLogger, stopOnSignals } from '@shopgraph/kit';
import { loadPaymentsConfig } from './config';
import { createPaymentsService } from './server';

/** Entry point: reads the configuration, starts the payments subgraph and stops it on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadPaymentsConfig();
  const log = createLogger('payments', config.LOG_LEVEL);
  const service = await createPaymentsService(config);
  await service.start();
  stopOnSignals(service.stop, log);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
