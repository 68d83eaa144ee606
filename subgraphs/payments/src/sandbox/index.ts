import { createLogger, stopOnSignals } from '@shopgraph/kit';
import { loadSandboxConfig } from '../config';
import { createSandboxProvider } from './sandbox.provider';

export { createSandboxProvider, TEST_TOKENS, type SandboxProvider, type SandboxMode, type SandboxCharge, type SandboxRefund } from './sandbox.provider';

/** Entry point (`node dist/sandbox/index.js`): runs the payment provider sandbox until SIGTERM/SIGINT. */
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
