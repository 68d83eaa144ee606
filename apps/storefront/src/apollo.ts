// The GraphQL client: Apollo Client with its normalized cache. Queries and mutations go over HTTP
// (`/graphql` on the page's own origin: server.mjs, the Vite dev server and the k8s ingress route
// it to the gateway) as persisted queries: the hash of the operation from the manifest built from
// src/operations (the gateway runs them by hash under TRUSTED_DOCUMENTS=enforce, and otherwise
// asks once for the text, APQ). Subscriptions go over graphql-ws on the same URL; that code is
// loaded only when a page first subscribes (live.ts), so the catalog does not pay for it.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { Observable } from 'rxjs';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import persistedIds from './gql/persisted-ids.json';
import { RefreshSessionDocument } from './gql/graphql';
import { expiresSoon, getSession, setSession } from './session';

export const GRAPHQL_PATH = '/graphql';

const ids = persistedIds as Record<string, string>;

async function sha256Hex(text: string) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function operationName(doc: DocumentNode) {
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  return op?.name?.value;
}

const persisted = createPersistedQueryLink({
  // The manifest's id of a collection operation; anything else (none in this app) is hashed here.
  generateHash: async (doc) => {
    const name = operationName(doc);
    if (name && ids[name]) return ids[name];
    const { print } = await import('graphql');
    return sha256Hex(print(doc));
  },
});

let refreshing: Promise<void> | null = null;

/** Renews the access token with the refresh token (once, however many requests wait for it). */
export function refreshSession(): Promise<void> {
  const session = getSession();
  if (!session) return Promise.resolve();
  refreshing ??= fetch(GRAPHQL_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      operationName: 'RefreshSession',
      variables: { refreshToken: session.refreshToken },
      extensions: { persistedQuery: { version: 1, sha256Hash: ids.RefreshSession } },
    }),
  })
    .then((res) => res.json())
    .then(async (body) => {
      // The gateway may not know the hash yet (APQ): send the text once.
      if (body.errors?.[0]?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND') {
        const { print } = await import('graphql');
        const res = await fetch(GRAPHQL_PATH, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            operationName: 'RefreshSession',
            query: print(client.cache.transformDocument(RefreshSessionDocument)),
            variables: { refreshToken: session.refreshToken },
            extensions: { persistedQuery: { version: 1, sha256Hash: ids.RefreshSession } },
          }),
        });
        body = await res.json();
      }
      const payload = body.data?.refreshToken;
      if (payload?.accessToken) {
        setSession({ ...session, accessToken: payload.accessToken, refreshToken: payload.refreshToken, expiresAt: payload.expiresAt });
      } else {
        setSession(null);
      }
    })
    .catch(() => undefined)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** The access token to send, renewed first when it is about to expire. */
export async function accessToken(): Promise<string | null> {
  const session = getSession();
  if (session && expiresSoon(session)) await refreshSession();
  return getSession()?.accessToken ?? null;
}

const auth = new SetContextLink(async (prev) => {
  const token = await accessToken();
  return token ? { headers: { ...prev.headers, authorization: `Bearer ${token}` } } : {};
});

/** Subscriptions: the graphql-ws link, imported on first use. */
const lazyWs = new ApolloLink(
  (operation) =>
    new Observable<ApolloLink.Result>((observer) => {
      let inner: { unsubscribe(): void } | undefined;
      let closed = false;
      import('./live')
        .then(({ wsLink }) => {
          if (!closed) inner = wsLink().request(operation).subscribe(observer);
        })
        .catch((error) => observer.error(error));
      return () => {
        closed = true;
        inner?.unsubscribe();
      };
    }),
);

const http = ApolloLink.from([auth, persisted, new HttpLink({ uri: GRAPHQL_PATH })]);

export const client = new ApolloClient({
  link: ApolloLink.split((op) => op.operationType === 'subscription', lazyWs, http),
  cache: new InMemoryCache({
    typePolicies: {
      // One cart per client: the signed-in user's (the store is reset at sign-in and sign-out).
      Cart: { keyFields: [] },
      // Money, stock levels and rating summaries belong to their parent object.
      Money: { keyFields: false },
      StockLevel: { keyFields: false },
      RatingSummary: { keyFields: false },
      Query: {
        fields: {
          // Cursor paging: pages are appended per filter and sort.
          products: {
            keyArgs: ['filter', 'sort'],
            merge(existing: { edges: unknown[] } | undefined, incoming: { edges: unknown[] }, { args }) {
              if (!existing || !args?.after) return incoming;
              return { ...incoming, edges: [...existing.edges, ...incoming.edges] };
            },
          },
        },
      },
    },
  }),
});
