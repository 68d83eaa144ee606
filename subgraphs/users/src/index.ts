import 'reflect-metadata';
import { createLogger, stopOnSignals } from '@shopgraph/kit';
import { loadUsersConfig } from './config';
import { createUsersService } from './server';

/** Entry point: reads the configuration, starts the users subgraph and stops it on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadUsersConfig();
  const log = createLogger('users', config.LOG_LEVEL);
  const service = await createUsersService(config);
  await service.start();
  stopOnSignals(service.stop, log);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
