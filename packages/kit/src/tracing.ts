import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { markTracingActive, tracingActive } from './trace-context';

/**
 * Tracing is on when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and not switched off by OTEL_SDK_DISABLED=true.
 * Off by default: nothing of the SDK is loaded then.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export interface TracingOptions {
  /** service.name of every span (OTEL_SERVICE_NAME wins when set). */
  serviceName: string;
  /** Where spans go; default: the OTLP/HTTP exporter configured by the OTEL_EXPORTER_OTLP_* variables, batched. */
  spanProcessors?: SpanProcessor[];
  /** Shorthand for one exporter (batched): tests pass an InMemorySpanExporter. */
  exporter?: SpanExporter;
  /** Auto-instrument node:http, fetch (undici), graphql, pg, ioredis, mongodb (default true). */
  instrument?: boolean;
}

export interface Tracing {
  /** Flushes pending spans. */
  flush(): Promise<void>;
  /** Flushes and stops; later spans are no-ops. */
  shutdown(): Promise<void>;
}

const HEALTH_PATHS = /^\/(metrics|health)(\/|$|\?)/;

let running: Tracing | null = null;

/**
 * Starts the OpenTelemetry Node SDK for this process: W3C trace context propagation, the
 * parent-based sampler of OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (default: parent-based,
 * always on), and the instrumentations of the libraries Shopgraph uses. Database and Redis spans
 * are made only inside a trace (relay polls and health probes do not start traces); /metrics and
 * /health requests are not traced. Must run before those libraries are loaded: services start it
 * by preloading `@shopgraph/kit/dist/tracing-preload.js` (see README, "Operating it").
 */
export function startTracing(options: TracingOptions): Tracing {
  if (running) return running;
  const { NodeSDK, resources } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const processors: SpanProcessor[] = options.spanProcessors ?? [];
  if (options.exporter) processors.push(new BatchSpanProcessor(options.exporter, { scheduledDelayMillis: 200 }));
  if (processors.length === 0) {
    const { OTLPTraceExporter } =
      require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  }
  const instrumentations = options.instrument === false ? [] : createInstrumentations();
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME || options.serviceName,
    spanProcessors: processors,
    instrumentations,
    // No cloud metadata lookups at start-up; host and process are enough here.
    resourceDetectors: [resources.envDetector, resources.hostDetector, resources.processDetector],
    // Metrics stay on /metrics (Prometheus); logs stay on stdout (pino with trace ids).
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  markTracingActive(true);
  const flush = async () => {
    await Promise.all(processors.map((p) => p.forceFlush().catch(() => undefined)));
  };
  running = {
    flush,
    async shutdown() {
      running = null;
      markTracingActive(false);
      await sdk.shutdown().catch(() => undefined);
    },
  };
  return running;
}

/** The running SDK of this process, if any (e.g. to flush before exit). */
export function runningTracing(): Tracing | null {
  return tracingActive() ? running : null;
}

function createInstrumentations() {
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { GraphQLInstrumentation } =
    require('@opentelemetry/instrumentation-graphql') as typeof import('@opentelemetry/instrumentation-graphql');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } =
    require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  const { MongoDBInstrumentation } =
    require('@opentelemetry/instrumentation-mongodb') as typeof import('@opentelemetry/instrumentation-mongodb');
  // What the overhead bound (≤ 10 % at 100 % sampling, bench/RESULTS.md) leaves room for: the
  // request (http server/client, fetch), GraphQL parse/validate/execute, each database and Redis
  // call inside a trace, and the Kafka hops (packages/events). Not: a span per resolver (the
  // graphql instrumentation wraps every field's resolver to decide), a span per express layer
  // (the http server span carries the route), a span per pool checkout.
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => HEALTH_PATHS.test(req.url ?? ''),
    }),
    new UndiciInstrumentation(),
    new GraphQLInstrumentation({ ignoreResolveSpans: true, mergeItems: true }),
    new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    new IORedisInstrumentation({ requireParentSpan: true }),
    new MongoDBInstrumentation({ requireParentSpan: true }),
  ];
}
