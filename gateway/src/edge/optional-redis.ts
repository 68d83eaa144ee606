import type Redis from 'ioredis';
import type { Registry } from 'prom-client';
import { createRedis } from '@shopgraph/kit';

/**
 * The Redis connection of an edge feature that keeps serving without Redis (rate limits fail
 * open, revocation per its fail mode): the kit's deadline client, a start that never throws (it
 * keeps reconnecting in the background), and one warning at most every 10 s while Redis is away.
 */
export class OptionalRedis {
  readonly client: Redis;
  private lastWarning = 0;

  constructor(
    url: string,
    commandTimeoutMs: number,
    private readonly warning: (error: unknown) => void,
    /** Reports the connection in `datastore_connected{store="redis",client}` / `datastore_reconnects_total` (kit connection-metrics). */
    connection?: { metrics?: Registry; client: string },
  ) {
    this.client = createRedis(url, {
      commandTimeoutMs,
      connectTimeoutMs: 2000,
      metrics: connection?.metrics,
      clientName: connection?.client,
      extra: { maxRetriesPerRequest: 0 },
    });
    this.client.on('error', (error) => this.unavailable(error));
  }

  async start(): Promise<void> {
    try {
      await this.client.connect();
    } catch (error) {
      this.unavailable(error);
    }
  }

  stop(): void {
    this.client.disconnect();
  }

  /** Reports Redis as unavailable (rate-limited to one warning every 10 s). */
  unavailable(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    this.warning(error);
  }
}

