import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on loopback in front of a real server (Redis, PostgreSQL, MongoDB) that a test can
 * freeze: while frozen it still accepts connections but nothing goes through in either direction
 * — bytes wait in its buffers, as they would in a SIGSTOPped server's socket — and on thaw they
 * flow again in order. It simulates a hung server without touching the shared one. With no
 * target it is a black hole from the start (accepts, never answers, never thaws).
 */
export interface FreezableProxy {
  port: number;
  host: string;
  /** `scheme://host:port` of the proxy, for building a client URL. */
  url(scheme: string, path?: string): string;
  freeze(): void;
  thaw(): void;
  readonly frozen: boolean;
  /**
   * Cuts the line, as a stopped server would: every open connection is reset and new ones are
   * refused (the port stops listening) until `restore()`.
   */
  cut(): Promise<void>;
  /** Listens on the same port again after `cut()`. */
  restore(): Promise<void>;
  readonly cutOff: boolean;
  /** Closes the listener and every connection. */
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | null;
  toUpstream: Buffer[];
  toClient: Buffer[];
}

export async function freezableProxy(target?: { host: string; port: number }): Promise<FreezableProxy> {
  let frozen = !target;
  let cutOff = false;
  const pairs = new Set<Pair>();

  const flush = (pair: Pair) => {
    if (frozen || !target) return;
    if (!pair.upstream) {
      const upstream = connect(target.port, target.host);
      pair.upstream = upstream;
      upstream.on('data', (chunk: Buffer) => {
        if (frozen) pair.toClient.push(chunk);
        else pair.client.write(chunk);
      });
      upstream.on('error', () => pair.client.destroy());
      upstream.on('close', () => pair.client.destroy());
    }
    for (const chunk of pair.toUpstream.splice(0)) pair.upstream.write(chunk);
    for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
  };

  const server = createServer((client) => {
    const pair: Pair = { client, upstream: null, toUpstream: [], toClient: [] };
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (frozen || !pair.upstream) pair.toUpstream.push(chunk);
      else pair.upstream.write(chunk);
      flush(pair);
    });
    client.on('error', () => undefined);
    client.on('close', () => {
      pairs.delete(pair);
      pair.upstream?.destroy();
    });
    flush(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    host: '127.0.0.1',
    url: (scheme, path = '') => `${scheme}://127.0.0.1:${port}${path}`,
    get frozen() {
      return frozen;
    },
    get cutOff() {
      return cutOff;
    },
    async cut() {
      if (cutOff) return;
      cutOff = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const pair of pairs) {
        pair.client.resetAndDestroy();
        pair.upstream?.destroy();
      }
      pairs.clear();
      await closed;
    },
    async restore() {
      if (!cutOff) return;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      cutOff = false;
    },
    freeze() {
      frozen = true;
    },
    thaw() {
      if (!target) return;
      frozen = false;
      for (const pair of pairs) flush(pair);
    },
    async close() {
      if (cutOff) return;
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
