import {
  Kind,
  parse,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '@shopgraph/kit';
import { CircuitBreaker, type BreakerState } from './subgraph-breaker';

/** The error code of a field a subgraph could not answer for (down, frozen, too slow, circuit open). */
export const SUBGRAPH_UNAVAILABLE = 'SUBGRAPH_UNAVAILABLE';

/** Why a subgraph call produced no answer. */
export type UnavailableReason = 'TIMEOUT' | 'UNREACHABLE' | 'BAD_RESPONSE' | 'CIRCUIT_OPEN';

/** What the gateway hands a subgraph data source, as far as the guard needs it. */
export interface GuardedRequest {
  request: { query?: string; variables?: Record<string, unknown> };
  document?: DocumentNode;
}

/** A subgraph's answer in GraphQL-over-HTTP form (the shape RemoteGraphQLDataSource.process returns). */
export interface SubgraphResponse {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<{ message: string; path?: ReadonlyArray<string | number>; extensions?: Record<string, unknown> }>;
  extensions?: Record<string, unknown>;
}

export interface SubgraphGuardOptions {
  /** Deadline of one call (request and response body), in ms. */
  timeoutMs: number;
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before a probe. */
  resetMs: number;
  metrics: SubgraphGuardMetrics;
  log: Logger;
  now?: () => number;
}

/** Per-subgraph metrics of the guards, in the gateway's registry. */
export interface SubgraphGuardMetrics {
  /** 0 closed, 1 half-open, 2 open. */
  breakerState: Gauge<'subgraph'>;
  /** Calls that failed (reason: TIMEOUT, UNREACHABLE, BAD_RESPONSE). */
  failures: Counter<'subgraph' | 'reason'>;
  /** Calls cut off at the deadline (also counted in failures). */
  timeouts: Counter<'subgraph'>;
  /** Calls refused without trying because the circuit was open. */
  shortCircuited: Counter<'subgraph'>;
}

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export function createSubgraphGuardMetrics(registry: Registry): SubgraphGuardMetrics {
  return {
    breakerState: new Gauge({
      name: 'gateway_subgraph_breaker_state',
      help: 'Circuit breaker state per subgraph: 0 closed, 1 half-open, 2 open',
      labelNames: ['subgraph'],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'gateway_subgraph_failures_total',
      help: 'Subgraph calls that produced no answer, by reason (TIMEOUT, UNREACHABLE, BAD_RESPONSE)',
      labelNames: ['subgraph', 'reason'],
      registers: [registry],
    }),
    timeouts: new Counter({
      name: 'gateway_subgraph_timeouts_total',
      help: 'Subgraph calls cut off at their deadline',
      labelNames: ['subgraph'],
      registers: [registry],
    }),
    shortCircuited: new Counter({
      name: 'gateway_subgraph_short_circuited_total',
      help: 'Subgraph calls refused at once because the circuit was open',
      labelNames: ['subgraph'],
      registers: [registry],
    }),
  };
}

/** Raised by the guard's fetcher when the deadline passed; carries no URL. */
class DeadlineExceeded extends Error {
  readonly reason = 'TIMEOUT';
}

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** A subgraph's HTTP answer with its body read (shared by deduplicated calls: read-only). */
export interface SubgraphAnswer {
  status: number;
  statusText: string;
  headers: Headers;
  body: string;
}

/**
 * Everything that stands between the gateway and one subgraph: a deadline on every call and a
 * circuit breaker. A call that fails, times out or is refused by the open circuit does not
 * throw: it answers with one SUBGRAPH_UNAVAILABLE error per field the call was to resolve,
 * with a path the gateway turns into the client's path (an entity fetch's `_entities.<i>.<field>`
 * becomes e.g. `product.rating`), so the gateway nulls exactly those fields and serves the rest.
 * Messages name the subgraph only, never a host or URL.
 */
export class SubgraphGuard {
  readonly breaker: CircuitBreaker;

  constructor(
    readonly subgraph: string,
    private readonly options: SubgraphGuardOptions,
  ) {
    const { metrics, log } = options;
    metrics.breakerState.set({ subgraph }, 0);
    this.breaker = new CircuitBreaker({
      failureThreshold: options.failureThreshold,
      resetMs: options.resetMs,
      now: options.now,
      onStateChange: (from, to, failures) => {
        metrics.breakerState.set({ subgraph }, STATE_VALUE[to]);
        if (to === 'open') {
          log.warn(
            { subgraph, from, consecutiveFailures: failures, retryInMs: options.resetMs },
            'subgraph circuit opened: its fields answer SUBGRAPH_UNAVAILABLE at once',
          );
        } else if (to === 'half_open') log.info({ subgraph }, 'subgraph circuit half-open: probing with one call');
        else log.info({ subgraph }, 'subgraph circuit closed: the subgraph answers again');
      },
    });
  }

  /**
   * A call with this subgraph's deadline on the whole exchange (headers and body): the answer
   * with its body read as text, so a subgraph that stalls mid-body is cut off too.
   */
  answerer(base: Fetch = fetch): (url: string, init?: RequestInit) => Promise<SubgraphAnswer> {
    const { timeoutMs } = this.options;
    return async (url, init) => {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const response = await base(url, { ...init, signal });
        const body = await response.text();
        return { status: response.status, statusText: response.statusText, headers: response.headers, body };
      } catch (error) {
        if (signal.aborted) throw new DeadlineExceeded(`no answer within ${timeoutMs} ms`);
        throw error;
      }
    };
  }

  /** A fetch with this subgraph's deadline on the whole exchange (headers and body). */
  fetcher(base: Fetch = fetch): Fetch {
    const answer = this.answerer(base);
    return async (url, init) => {
      const { status, statusText, headers, body } = await answer(url, init);
      return new Response(body, { status, statusText, headers });
    };
  }

  /** Runs one subgraph call (`call`, e.g. RemoteGraphQLDataSource.process) under the breaker. */
  async run(request: GuardedRequest, call: () => Promise<SubgraphResponse>): Promise<SubgraphResponse> {
    const { metrics, log } = this.options;
    const labels = { subgraph: this.subgraph };
    const permit = this.breaker.acquire();
    if (!permit) {
      metrics.shortCircuited.inc(labels);
      return this.unavailable(request, 'CIRCUIT_OPEN');
    }
    try {
      const response = await call();
      permit.succeeded();
      return response;
    } catch (error) {
      const reason = classify(error);
      if (reason === null) {
        // The subgraph answered, with a client error (4xx): it is up; the call still has no data.
        permit.succeeded();
        log.error({ subgraph: this.subgraph, err: error }, 'subgraph refused a gateway call');
        return this.unavailable(request, 'BAD_RESPONSE');
      }
      permit.failed();
      metrics.failures.inc({ ...labels, reason });
      if (reason === 'TIMEOUT') metrics.timeouts.inc(labels);
      log.warn({ subgraph: this.subgraph, reason, error: (error as Error)?.message, breaker: this.breaker.state }, 'subgraph call failed');
      return this.unavailable(request, reason);
    }
  }

  /** The answer for a call that could not be made or completed. */
  unavailable(request: GuardedRequest, reason: UnavailableReason): SubgraphResponse {
    const mutation = isMutation(request);
    const message =
      reason === 'TIMEOUT'
        ? `The ${this.subgraph} service did not answer within ${this.options.timeoutMs} ms` +
          (mutation ? '; the change may or may not have been made' : '')
        : `The ${this.subgraph} service is unavailable`;
    const extensions = { code: SUBGRAPH_UNAVAILABLE, reason };
    return { errors: fieldPaths(request).map((path) => (path ? { message, path, extensions } : { message, extensions })) };
  }
}

/** TIMEOUT / UNREACHABLE / BAD_RESPONSE for failures that count against the subgraph; null for a 4xx. */
export function classify(error: unknown): Exclude<UnavailableReason, 'CIRCUIT_OPEN'> | null {
  if (error instanceof DeadlineExceeded) return 'TIMEOUT';
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'TIMEOUT';
  // RemoteGraphQLDataSource turns a non-2xx answer into a GraphQLError with extensions.response.status.
  const status = (error as { extensions?: { response?: { status?: unknown } } } | null)?.extensions?.response?.status;
  if (typeof status === 'number') return status >= 500 ? 'BAD_RESPONSE' : null;
  // Node's fetch: TypeError('fetch failed') with the socket error as cause (ECONNREFUSED, ECONNRESET…).
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) return 'UNREACHABLE';
  return 'BAD_RESPONSE';
}

function isMutation(request: GuardedRequest): boolean {
  const operation = operationOf(request);
  return operation?.operation === 'mutation';
}

function operationOf(
  request: GuardedRequest,
): { operation: string; definition: OperationDefinitionNode; fragments: Map<string, FragmentDefinitionNode> } | null {
  let document = request.document;
  if (!document) {
    try {
      document = parse(request.request.query ?? '');
    } catch {
      return null;
    }
  }
  const definition = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!definition) return null;
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  return { operation: definition.operation, definition, fragments };
}

/** The fields of `set` (through fragments) for an object of type `typename` (any type when undefined). */
function fieldsOf(set: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, typename?: string): FieldNode[] {
  const out: FieldNode[] = [];
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD) out.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition?.name.value;
      if (!condition || !typename || condition === typename) out.push(...fieldsOf(selection.selectionSet, fragments, typename));
    } else {
      const fragment = fragments.get(selection.name.value);
      if (fragment && (!typename || fragment.typeCondition.name.value === typename))
        out.push(...fieldsOf(fragment.selectionSet, fragments, typename));
    }
  }
  return out;
}

const responseKey = (field: FieldNode) => field.alias?.value ?? field.name.value;

/**
 * The paths (in the subgraph operation's response) of the fields a call was to resolve: its root
 * fields, or for an entity fetch each representation's fields as `_entities.<i>.<field>`. Without
 * a readable operation, one error without a path.
 */
export function fieldPaths(request: GuardedRequest): Array<Array<string | number> | undefined> {
  const operation = operationOf(request);
  if (!operation) return [undefined];
  const roots = fieldsOf(operation.definition.selectionSet, operation.fragments).filter((f) => f.name.value !== '__typename');
  const entities = roots.length === 1 && roots[0].name.value === '_entities' ? roots[0] : null;
  const representations = request.request.variables?.representations;
  if (entities && Array.isArray(representations)) {
    const key = responseKey(entities);
    const paths: (string | number)[][] = [];
    representations.forEach((representation, index) => {
      const typename = (representation as { __typename?: string } | null)?.__typename;
      const names = [
        ...new Set(
          fieldsOf(entities.selectionSet, operation.fragments, typename)
            .filter((f) => f.name.value !== '__typename')
            .map(responseKey),
        ),
      ];
      if (names.length === 0) paths.push([key, index]);
      for (const name of names) paths.push([key, index, name]);
    });
    return paths.length > 0 ? paths : [undefined];
  }
  const keys = [...new Set(roots.map(responseKey))];
  return keys.length > 0 ? keys.map((key) => [key]) : [undefined];
}
