/** One subgraph call: what the guard's answerer (or a plain fetch) is. */
export type SubgraphCall<T> = (url: string, init?: RequestInit) => Promise<T>;

/** Headers that differ per client request but not in what the subgraph answers: left out of the key. */
const PER_REQUEST_HEADERS = new Set(['x-request-id', 'traceparent', 'tracestate', 'baggage', 'content-length']);

/**
 * A subgraph request that may share another's answer: a query (the operation text the gateway
 * generated starts with `query` or `{`; never a mutation or subscription). The body is the JSON
 * RemoteGraphQLDataSource sends, `query` first.
 */
export function isDeduplicable(init: RequestInit | undefined): boolean {
  if ((init?.method ?? 'GET').toUpperCase() !== 'POST' || typeof init?.body !== 'string') return false;
  const body = init.body;
  const start = body.startsWith('{"query":"') ? 10 : -1;
  if (start < 0) return false;
  let i = start;
  while (body[i] === ' ' || (body[i] === '\\' && (body[i + 1] === 'n' || body[i + 1] === 't'))) i += body[i] === ' ' ? 1 : 2;
  return body.startsWith('{', i) || /^query[\s({\\]/.test(body.slice(i, i + 7));
}

/** A subgraph mutation as the gateway sends it (the body's operation text starts with `mutation`). */
export function isMutation(init: RequestInit | undefined): boolean {
  return typeof init?.body === 'string' && /^\{"query":"(\s|\\n)*mutation\b/.test(init.body);
}

function headerEntries(headers: RequestInit['headers']): [string, string][] {
  if (!headers) return [];
  if (headers instanceof Headers) return [...headers.entries()];
  if (Array.isArray(headers)) return headers.map(([k, v]) => [k.toLowerCase(), v]);
  return Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]);
}

/**
 * The key of a subgraph request: URL, body and every header but the per-request ones — so the
 * internal token (which carries the viewer, the client's address and the session) is part of it,
 * and two viewers never share an answer.
 */
export function deduplicationKey(url: string, init: RequestInit): string {
  const headers = headerEntries(init.headers)
    .filter(([name]) => !PER_REQUEST_HEADERS.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value}`)
    .join('\n');
  return `${url}\n${headers}\n\n${init.body as string}`;
}

export interface DeduplicationStats {
  /** Calls answered by another call already in flight. */
  onDeduplicated?: () => void;
}

/**
 * Shared by the deduplicators of every subgraph of one gateway: bumped whenever a mutation call
 * ends, so a query that starts after a mutation's answer never joins a call that started before
 * it (read-your-writes across requests: a client that changed something and reads it back gets a
 * fresh read, not one in flight since before the change).
 */
export interface MutationEpoch {
  value: number;
}

/**
 * In-flight deduplication of identical subgraph queries: while one call is on its way, an
 * identical one (same URL, body, viewer/auth headers) waits for the same answer instead of
 * making its own. Waiters share the answer object (the gateway's answers are read-only: status,
 * headers and the body text, which each waiter parses into its own objects). Only queries, only
 * while in flight — nothing is kept once the answer is in, so no answer is ever older than the
 * request waiting for it.
 */
export class InFlightDeduplicator<T> {
  private readonly inFlight = new Map<string, { answer: Promise<T>; epoch: number }>();

  constructor(
    private readonly base: SubgraphCall<T>,
    private readonly stats: DeduplicationStats = {},
    private readonly epoch: MutationEpoch = { value: 0 },
  ) {}

  readonly call: SubgraphCall<T> = (url, init) => {
    if (!init || !isDeduplicable(init)) {
      if (!isMutation(init)) return this.base(url, init);
      const bump = () => void this.epoch.value++;
      return this.base(url, init).finally(bump);
    }
    const key = deduplicationKey(url, init);
    const entry = this.inFlight.get(key);
    if (entry && entry.epoch === this.epoch.value) {
      this.stats.onDeduplicated?.();
      return entry.answer;
    }
    const started = { answer: this.base(url, init), epoch: this.epoch.value };
    this.inFlight.set(key, started);
    const done = () => {
      if (this.inFlight.get(key) === started) this.inFlight.delete(key);
    };
    started.answer.then(done, done);
    return started.answer;
  };

  /** Calls in flight now (for tests). */
  get size(): number {
    return this.inFlight.size;
  }
}
