import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { INTERNAL_TOKEN_HEADER, type Viewer } from '@shopgraph/kit';
import type { InternalTokenCache } from './internal-tokens';
import { forwardedTraceparent } from './request-log';
import type { SubgraphCall } from './subgraph-dedup';
import type { SubgraphAnswer, SubgraphGuard } from './subgraph-guard';

/** What the data source needs of the gateway's request context. */
export interface SubgraphCallContext {
  viewer: Viewer | null;
  requestId: string;
  traceparent?: string;
  clientIp?: string;
  sessionId?: string;
}

type Base<C extends SubgraphCallContext> = RemoteGraphQLDataSource<C>;
type GatewayGraphQLRequest = Parameters<RemoteGraphQLDataSource['process']>[0]['request'];
type GatewayGraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

const isJson = (contentType: string | null) =>
  !!contentType && (contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json'));

/**
 * Calls one subgraph with an internal token for it (audience = subgraph name; reused per
 * (subgraph, viewer, client, session) for most of its lifetime), under its guard: a deadline on
 * every call and a circuit breaker. A call that fails answers with SUBGRAPH_UNAVAILABLE errors at
 * the fields it was to resolve instead of throwing, so the gateway nulls those fields (all
 * nullable when contributed to another subgraph's entity) and serves the rest of the operation.
 * Identical queries in flight share one call when `deduplicate` is given.
 *
 * The HTTP exchange is Node's fetch (undici: it honours the subgraph's `Keep-Alive: timeout`
 * hint and drops idle sockets before the server closes them; the default fetcher keeps them
 * forever and then trips over a server-side close — ECONNRESET surfacing as a 500). The answer's
 * body is read once, as text, under the guard's deadline and parsed here, without the Request
 * and Response objects RemoteGraphQLDataSource would build around each call.
 */
export class SubgraphDataSource<C extends SubgraphCallContext = SubgraphCallContext> extends RemoteGraphQLDataSource<C> {
  private readonly call: SubgraphCall<SubgraphAnswer>;

  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly tokens: InternalTokenCache,
    private readonly guard: SubgraphGuard,
    deduplicate: ((call: SubgraphCall<SubgraphAnswer>) => SubgraphCall<SubgraphAnswer>) | null,
    base: (url: string, init?: RequestInit) => Promise<Response> = fetch,
  ) {
    super({ url });
    const guarded = guard.answerer(base);
    this.call = deduplicate ? deduplicate(guarded) : guarded;
    // RemoteGraphQLDataSource.process calls this.sendRequest (private in its typings): ours instead.
    Object.defineProperty(this, 'sendRequest', { value: (request: GatewayGraphQLRequest) => this.send(request) });
  }

  override process(options: Parameters<Base<C>['process']>[0]) {
    return this.guard.run(options, () => super.process(options)) as ReturnType<Base<C>['process']>;
  }

  override async willSendRequest({ request, context }: Parameters<NonNullable<Base<C>['willSendRequest']>>[0]) {
    const headers = request.http!.headers;
    const ctx = context as Partial<SubgraphCallContext>;
    const extras = { clientIp: ctx.clientIp, sessionId: ctx.sessionId };
    headers.set(INTERNAL_TOKEN_HEADER, await this.tokens.get(this.subgraph, ctx.viewer ?? null, extras));
    if (ctx.requestId) headers.set('x-request-id', ctx.requestId);
    // With tracing on, the fetch instrumentation sends the gateway's own span as traceparent.
    const traceparent = forwardedTraceparent(ctx.traceparent);
    if (traceparent) headers.set('traceparent', traceparent);
  }

  /** RemoteGraphQLDataSource.sendRequest, on the guarded (and deduplicated) call. */
  private async send(request: GatewayGraphQLRequest): Promise<GatewayGraphQLResponse> {
    const { http: http0, ...withoutHttp } = request;
    if (!http0) throw new Error("Internal error: Only 'http' requests are supported.");
    const answer = await this.call(http0.url, { method: http0.method, headers: Object.fromEntries(http0.headers), body: JSON.stringify(withoutHttp) });
    if (answer.status < 200 || answer.status > 299) {
      const nobody = answer.status === 204 || answer.status === 304;
      throw await this.errorFromResponse(new Response(nobody ? null : answer.body, { status: answer.status, statusText: answer.statusText, headers: answer.headers }) as never);
    }
    // Each caller parses the (possibly shared) text into objects of its own.
    const body: unknown = isJson(answer.headers.get('content-type')) ? JSON.parse(answer.body) : answer.body;
    if (typeof body !== 'object' || body === null) throw new Error(`Expected JSON response body, but received: ${String(body)}`);
    // What the gateway reads of it: the headers (Cache-Control hints).
    const http = { ok: true, status: answer.status, statusText: answer.statusText, headers: answer.headers, url: http0.url };
    return { ...(body as object), http } as unknown as GatewayGraphQLResponse;
  }
}
