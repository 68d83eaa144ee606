import { AsyncLocalStorage } from 'node:async_hooks';
import {
  context,
  trace,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';

// Trace context and log fields shared by every service. Only @opentelemetry/api here: without a
// started SDK (tracing off, the default) every call below is a cheap no-op and the services pay
// for nothing but an AsyncLocalStorage lookup per log line.

/** Fields every log line written inside a request, consumed event or background run carries. */
export interface LogFields {
  /** The client's x-request-id (or a fresh one); for consumed events the event's correlationId. */
  requestId?: string;
  eventId?: string;
  eventType?: string;
  /** Name of a background task run (PeriodicTask). */
  task?: string;
}

const logContext = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` added to every log line written inside it (also across awaits). */
export function runWithLogFields<T>(fields: LogFields, fn: () => T): T {
  const outer = logContext.getStore();
  return logContext.run(outer ? { ...outer, ...fields } : fields, fn);
}

/** The log fields of the current async context, with the active span's traceId/spanId when tracing is on. */
export function currentLogFields(): Record<string, string> {
  const store = logContext.getStore();
  const span = trace.getSpanContext(context.active());
  if (!span || !trace.isSpanContextValid(span)) return (store as Record<string, string>) ?? {};
  return { ...(store as Record<string, string>), traceId: span.traceId, spanId: span.spanId };
}

const ACTIVE = Symbol.for('shopgraph.tracing.active');

/** True when this process started the tracing SDK (`startTracing`). */
export function tracingActive(): boolean {
  return (globalThis as Record<symbol, unknown>)[ACTIVE] === true;
}

/** Marks the SDK as started (by startTracing) or stopped. */
export function markTracingActive(active: boolean): void {
  (globalThis as Record<symbol, unknown>)[ACTIVE] = active;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span context a W3C `traceparent` header names, or null when it is malformed or all zeros. */
export function parseTraceparent(value: string | null | undefined): SpanContext | null {
  if (!value) return null;
  const m = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!m) return null;
  const spanContext: SpanContext = { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16) & TraceFlags.SAMPLED, isRemote: true };
  return trace.isSpanContextValid(spanContext) ? spanContext : null;
}

/** `traceparent` of a span context. */
export function formatTraceparent(spanContext: SpanContext): string {
  return `00-${spanContext.traceId}-${spanContext.spanId}-0${(spanContext.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
}

/** `traceparent` of the active span (what a message or row written now should carry), or null outside any trace. */
export function currentTraceparent(ctx: Context = context.active()): string | null {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext && trace.isSpanContextValid(spanContext) ? formatTraceparent(spanContext) : null;
}

/** A context whose parent is the span `traceparent` names (`base` unchanged when it names none). */
export function contextFromTraceparent(traceparent: string | null | undefined, base: Context = ROOT_CONTEXT): Context {
  const spanContext = parseTraceparent(traceparent);
  return spanContext ? trace.setSpanContext(base, spanContext) : base;
}

/** A link to the span `traceparent` names, or null. */
export function linkTo(traceparent: string | null | undefined, attributes?: Attributes): Link | null {
  const spanContext = parseTraceparent(traceparent);
  return spanContext ? { context: spanContext, ...(attributes ? { attributes } : {}) } : null;
}

/** The tracer of Shopgraph's own spans (outbox, Kafka, saga steps). */
export function shopTracer() {
  return trace.getTracer('shopgraph');
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** Parent context (default: the active one). */
  parent?: Context;
}

/**
 * Runs `fn` inside a new span that ends when `fn` settles; a thrown error is recorded on the span
 * (status ERROR) and rethrown. Without a started SDK the span is a no-op.
 */
export async function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = shopTracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    recordError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks `span` failed with `error`. */
export function recordError(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : new Error(String(error)));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

export { SpanKind };
