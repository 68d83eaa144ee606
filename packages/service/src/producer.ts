import type { Producer } from 'kafkajs';
import { capped, type ConnectionState, type Logger } from '@shopgraph/kit';

export interface SupervisedProducerOptions {
  /** A new, unconnected producer (events `newProducer(kafka)`). */
  create: () => Producer;
  /** Its connectivity (`datastore_connected{store="kafka_producer"}`). */
  state: ConnectionState;
  log: Logger;
  /** First reconnect delay (default 250 ms), doubling up to `maxBackoffMs` (default 10 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface SupervisedProducer {
  /** The producer to hand to the relay: always the current one underneath. Its `disconnect()` stops the supervision. */
  readonly producer: Producer;
  readonly state: ConnectionState;
  /** Producers made after the first (one per recovered outage). */
  readonly replacements: number;
  stop(): Promise<void>;
}

// Validation errors of the caller (bad topic, message without value) say nothing about the broker.
const callerError = (error: unknown) =>
  (error as Error | undefined)?.name === 'KafkaJSNonRetriableError' && /^Invalid|invalidates/.test((error as Error).message);

/**
 * A Kafka producer that reconnects for as long as the service runs. kafkajs reconnects a producer
 * only inside a send's retries and keeps no connection it reports on: after an outage longer than
 * those retries the next send starts over, but an idempotent producer can stay stuck on its old
 * producer id and sequence numbers (OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID after a
 * broker restart), and while nothing is sent nobody learns the broker is back. So:
 *   - a send that fails (other than for the caller's own mistake) marks the producer down;
 *   - while down, a fresh producer is connected with capped exponential backoff (connect includes
 *     a round trip to the broker: InitProducerId); once one connects it replaces the old one
 *     (disconnected) and the state is up again (one reconnect counted, one info line);
 *   - a send that succeeds marks it up (kafkajs may have got through on its own).
 * Delivery stays at least once: a send interrupted by the swap fails and its batch is sent again
 * by the relay; consumers are idempotent.
 */
export async function superviseProducer(options: SupervisedProducerOptions): Promise<SupervisedProducer> {
  const { state, log } = options;
  const initial = options.initialBackoffMs ?? 250;
  const max = options.maxBackoffMs ?? 10_000;
  let current = options.create();
  await current.connect();
  state.up();
  let stopped = false;
  let replacements = 0;
  let loop: Promise<void> | null = null;
  let wakeStop: () => void = () => undefined;
  const stopSignal = new Promise<void>((resolve) => (wakeStop = resolve));
  const sleep = (ms: number) =>
    Promise.race([new Promise<void>((resolve) => setTimeout(resolve, ms).unref()), stopSignal]);

  const reconnect = async () => {
    let attempt = 0;
    while (!stopped && !state.connected) {
      await sleep(capped(attempt++, initial, max));
      if (stopped || state.connected) break;
      const fresh = options.create();
      try {
        await fresh.connect();
      } catch (error) {
        state.down(error);
        await fresh.disconnect().catch(() => undefined);
        continue;
      }
      if (stopped) {
        await fresh.disconnect().catch(() => undefined);
        break;
      }
      const old = current;
      current = fresh;
      replacements++;
      state.up();
      log.debug({ attempts: attempt }, 'kafka producer replaced by a freshly connected one');
      old.disconnect().catch(() => undefined);
    }
    loop = null;
  };

  const observe = async <T>(send: () => Promise<T>): Promise<T> => {
    try {
      const result = await send();
      state.up();
      return result;
    } catch (error) {
      if (!stopped && !callerError(error)) {
        state.down(error);
        loop ??= reconnect();
      }
      throw error;
    }
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    wakeStop();
    await loop;
    state.close();
    await current.disconnect();
  };

  const producer = new Proxy({} as Producer, {
    get(_target, prop) {
      if (prop === 'sendBatch') return (batch: Parameters<Producer['sendBatch']>[0]) => observe(() => current.sendBatch(batch));
      if (prop === 'send') return (record: Parameters<Producer['send']>[0]) => observe(() => current.send(record));
      if (prop === 'disconnect') return stop;
      const value = (current as unknown as Record<string | symbol, unknown>)[prop];
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });

  return {
    producer,
    state,
    get replacements() {
      return replacements;
    },
    stop,
  };
}
