type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** Headers that differ per client request but not in what the subgraph answers: left out of the key. */
const PER_REQUEST_HEADERS = new Set(['x-request-id', 'traceparent', 'tracestate', 'baggage', 'content-length']);

interface Answer {
  status: number;
  statusText: string;
  headers: Headers;
  body: string;
}

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
 * In-flight deduplication of identical subgraph queries: while one call is on its way, an
 * identical one (same URL, body, viewer/auth headers) waits for the same answer instead of
 * making its own; each gets its own copy of the response. Only queries, only while in flight —
 * nothing is kept once the answer is in, so no answer is ever older than the request waiting for it.
 */
export class InFlightDeduplicator {
  private readonly inFlight = new Map<string, Promise<Answer>>();

  constructor(
    private readonly base: Fetch,
    private readonly stats: DeduplicationStats = {},
  ) {}

  readonly fetch: Fetch = async (url, init) => {
    if (!init || !isDeduplicable(init)) return this.base(url, init);
    const key = deduplicationKey(url, init);
    let answer = this.inFlight.get(key);
    if (answer) this.stats.onDeduplicated?.();
    else {
      answer = this.call(url, init);
      this.inFlight.set(key, answer);
      const done = () => {
        if (this.inFlight.get(key) === answer) this.inFlight.delete(key);
      };
      answer.then(done, done);
    }
    const { status, statusText, headers, body } = await answer;
    return new Response(body, { status, statusText, headers });
  };

  private async call(url: string, init: RequestInit): Promise<Answer> {
    const response = await this.base(url, init);
    return { status: response.status, statusText: response.statusText, headers: response.headers, body: await response.text() };
  }

  /** Calls in flight now (for tests). */
  get size(): number {
    return this.inFlight.size;
  }
}
