// Preloaded by every service (`node --require @shopgraph/kit/dist/tracing-preload.js dist/index.js`,
// set in the start scripts, scripts/shopgraph.mjs and the Dockerfile) so the instrumentations are
// in place before express, pg, ioredis, mongodb and graphql are loaded. Does nothing unless
// tracing is switched on (OTEL_EXPORTER_OTLP_ENDPOINT), so an idle service loads no SDK.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTracing, tracingEnabled } from './tracing';

/** service.name: OTEL_SERVICE_NAME, else the launched package's name without its scope ("@shopgraph/orders" → "orders"). */
function serviceName(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { name?: string };
    if (pkg.name) return pkg.name.replace(/^@[^/]+\//, '');
  } catch {
    // not launched from a package directory
  }
  return 'shopgraph';
}

if (tracingEnabled()) {
  const tracing = startTracing({ serviceName: serviceName() });
  // Flush what is batched when the service exits (stopOnSignals ends with process.exit).
  const flushOnExit = () => void tracing.shutdown();
  process.once('beforeExit', flushOnExit);
}
