// graphql-ws for live order tracking, loaded on first use. The access token goes in the
// connection_init payload; the socket is opened lazily and closed when no subscription is left.
// Reconnecting is done per subscription by the page (with afterVersion), not by graphql-ws: a
// re-sent subscribe of the original payload would not say what the page has already seen.
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient, type Client } from 'graphql-ws';
import { accessToken, GRAPHQL_PATH } from './apollo';

/**
 * For the bench and the browser tests: when the last graphql-ws `next` message arrived
 * (performance.now()) and how many did; `drop(holdMs)` closes the socket as a network failure
 * would and keeps the pages from reconnecting for holdMs, `resume()` lets them reconnect now (to
 * show the resume with afterVersion).
 */
declare global {
  interface Window {
    __shopgraphLive?: { lastMessageAt: number; messages: number; holdUntil: number; drop(holdMs?: number): void; resume(): void };
  }
}

let client: Client | null = null;
let link: GraphQLWsLink | null = null;

export function wsUrl() {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}${GRAPHQL_PATH}`;
}

export function wsLink(): GraphQLWsLink {
  if (link) return link;
  const stats = (window.__shopgraphLive = {
    lastMessageAt: 0,
    messages: 0,
    holdUntil: 0,
    drop(holdMs = 0) {
      stats.holdUntil = performance.now() + holdMs;
      client?.terminate();
    },
    resume() {
      stats.holdUntil = 0;
      window.dispatchEvent(new Event('shopgraph:live-resume'));
    },
  });
  client = createClient({
    url: wsUrl(),
    lazy: true,
    retryAttempts: 0,
    connectionParams: async () => {
      const token = await accessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    on: {
      message: (message) => {
        if (message.type === 'next') {
          stats.lastMessageAt = performance.now();
          stats.messages += 1;
        }
      },
    },
  });
  link = new GraphQLWsLink(client);
  return link;
}

/** Closes the socket (sign-out: the next subscription opens one with the new token). */
export function resetLive() {
  client?.terminate();
  client = null;
  link = null;
}
