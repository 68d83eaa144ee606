import { createLogger, stopOnSignals } from '@shopgraph/kit';
import { loadGatewayConfig } from './config';
import { createGateway } from './gateway';

const config = loadGatewayConfig();
const log = createLogger('gateway', config.LOG_LEVEL);
const gateway = createGateway(config, log);
gateway.start().then(
  ({ url }) => {
    if (config.NODE_ENV !== 'production') log.info(`Apollo Sandbox: open ${url} in a browser`);
    stopOnSignals(() => gateway.stop(), log);
  },
  (error: unknown) => {
    log.fatal({ err: error }, 'gateway failed to start');
    process.exit(1);
  },
);
