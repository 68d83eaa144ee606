import 'reflect-metadata';
import { createLogger, stopOnSignals } from '@shopgraph/kit';
import { loadReviewsConfig } from './config';
import { createReviewsService } from './server';

/** Entry point: reads the configuration, starts the reviews subgraph and stops it on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadReviewsConfig();
  const log = createLogger('reviews', config.LOG_LEVEL);
  const service = await createReviewsService(config);
  await service.start();
  stopOnSignals(service.stop, log);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
