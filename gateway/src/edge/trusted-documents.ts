import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Logger } from '@shopgraph/kit';

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** One entry of an Apollo persisted-query manifest (`apollo-persisted-query-manifest`, version 1). */
export interface ManifestOperation {
  id: string;
  name?: string;
  type?: string;
  body: string;
}

/**
 * Loads trusted documents (sha256 of the exact text -> text) from Apollo persisted-query
 * manifests. An entry whose id is not the sha256 of its body stops the gateway: a manifest must
 * not be able to smuggle in a different operation under a trusted hash.
 */
export function loadTrustedDocuments(paths: string[]): Map<string, ManifestOperation> {
  const documents = new Map<string, ManifestOperation>();
  for (const path of paths) {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { format?: string; version?: number; operations?: ManifestOperation[] };
    if (manifest.format !== 'apollo-persisted-query-manifest' || manifest.version !== 1 || !Array.isArray(manifest.operations)) {
      throw new Error(`${path}: not an apollo-persisted-query-manifest version 1`);
    }
    for (const op of manifest.operations) {
      if (typeof op.body !== 'string' || sha256(op.body) !== op.id)
        throw new Error(`${path}: operation ${op.name ?? op.id} has an id that is not the sha256 of its body`);
      documents.set(op.id, op);
    }
  }
  return documents;
}

export type TrustedDocumentRefusal = 'PERSISTED_QUERY_NOT_FOUND' | 'OPERATION_NOT_ALLOWED';

/** The refusal of an operation that is not a trusted document (HTTP 400 on the HTTP path). */
export const trustedDocumentRefusal = (code: TrustedDocumentRefusal) =>
  new GraphQLError(code === 'PERSISTED_QUERY_NOT_FOUND' ? 'PersistedQueryNotFound' : 'Only trusted documents may run on this gateway', {
    extensions: { code, http: { status: 400 } },
  });

/**
 * The policy shared by the HTTP and websocket paths: a request names a manifest operation by
 * its hash (`extensions.persistedQuery.sha256Hash`, with or without a text; an empty text counts
 * as none, since graphql-ws requires a string) or sends a text whose sha256 is in a manifest.
 * Returns the manifest's text, which is what runs (never the sent one), or the refusal code:
 * PERSISTED_QUERY_NOT_FOUND for an unknown hash sent alone, OPERATION_NOT_ALLOWED otherwise.
 */
export function resolveTrustedDocument(
  documents: Map<string, ManifestOperation>,
  query: unknown,
  extensions: Record<string, unknown> | null | undefined,
): { body: string } | { refusal: TrustedDocumentRefusal } {
  const persisted = (extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
  const text = typeof query === 'string' && query !== '' ? query : undefined;
  const hash = typeof persisted === 'string' ? persisted : text !== undefined ? sha256(text) : undefined;
  const trusted = hash ? documents.get(hash) : undefined;
  if (trusted) return { body: trusted.body };
  return { refusal: typeof persisted === 'string' && text === undefined ? 'PERSISTED_QUERY_NOT_FOUND' : 'OPERATION_NOT_ALLOWED' };
}

/**
 * Trusted-documents mode on HTTP: only operations of the manifests run (see
 * `resolveTrustedDocument`; the websocket path applies the same function). Anything else is
 * refused before parsing with HTTP 400 and never reaches a subgraph. The request is swapped for
 * a trivial placeholder and refused at operation resolution (Apollo turns a throw there into the
 * response; thrown earlier it would be a 500). In-process executions (subscription deliveries,
 * whose subscription was itself checked on the websocket) are the gateway's own and not checked.
 */
export function trustedDocumentsPlugin<C extends { clientIp?: string }>(documents: Map<string, ManifestOperation>): ApolloServerPlugin<C> {
  return {
    async requestDidStart(rc: GraphQLRequestContext<C>) {
      if (!rc.contextValue.clientIp) return {};
      const request = rc.request;
      const verdict = resolveTrustedDocument(documents, request.query, request.extensions);
      if ('body' in verdict) {
        request.query = verdict.body;
        return {};
      }
      const error = trustedDocumentRefusal(verdict.refusal);
      request.query = '{ __typename }';
      if (request.extensions) delete request.extensions.persistedQuery;
      request.operationName = undefined;
      request.variables = {};
      return {
        async didResolveOperation() {
          throw error;
        },
      };
    },
  };
}

/** Apollo's KeyValueCache<string> (structurally; @apollo/utils.keyvaluecache is not a dependency of ours). */
export interface DocumentCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, options?: { ttl?: number | null }): Promise<void>;
  delete(key: string): Promise<boolean | void>;
}

/**
 * Apollo's APQ cache in Redis, shared by every gateway replica (a document registered at one
 * is found at all). Redis slow or down = a miss (the client resends the text) and a dropped
 * write: APQ is an optimisation and must not fail a request.
 */
export class RedisDocumentCache implements DocumentCache {
  private readonly redis: Redis;
  private lastWarning = 0;

  constructor(
    redisUrl: string,
    commandTimeoutMs: number,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    this.redis = new Redis(redisUrl, {
      lazyConnect: true,
      commandTimeout: commandTimeoutMs,
      connectTimeout: 2000,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: (n) => Math.min(n * 200, 2000),
    });
    this.redis.on('error', (error) => this.warn(error));
  }

  async start(): Promise<void> {
    await this.redis.connect().catch((error) => this.warn(error));
  }

  async stop(): Promise<void> {
    this.redis.disconnect();
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.redis.get(this.prefix + key)) ?? undefined;
    } catch (error) {
      this.warn(error);
      return undefined;
    }
  }

  async set(key: string, value: string, options?: { ttl?: number | null }): Promise<void> {
    try {
      if (options?.ttl) await this.redis.set(this.prefix + key, value, 'EX', Math.ceil(options.ttl));
      else await this.redis.set(this.prefix + key, value);
    } catch (error) {
      this.warn(error);
    }
  }

  async delete(key: string): Promise<boolean | void> {
    try {
      await this.redis.del(this.prefix + key);
    } catch (error) {
      this.warn(error);
    }
  }

  private warn(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    this.log.warn({ err: error }, 'APQ cache unavailable (Redis); persisted queries miss until it answers');
  }
}
