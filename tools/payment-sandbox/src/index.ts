import { createLogger, stopOnSignals } from '@shopgraph/kit';
import { loadSandboxConfig } from './config';
import { createSandboxProvider } from './sandbox.provider';

/**
 * The payment provider sandbox as a program (`node tools/payment-sandbox/dist/index.js`, or
 * `npm start -w @shopgraph/payment-sandbox`): runs until SIGTERM/SIGINT. Tests that want it in
 * process import createSandboxProvider from @shopgraph/payment-sandbox instead.
 */
async function main(): Promise<void> {
  const config = loadSandboxConfig();
  const sandbox = createSandboxProvider({ port: config.SANDBOX_PORT, host: config.SANDBOX_HOST });
  const log = createLogger('payment-sandbox', config.LOG_LEVEL);
  const { url } = await sandbox.start();
  log.info({ url }, 'payment provider sandbox ready');
  stopOnSignals(() => sandbox.stop(), log);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
