import { Registry } from 'prom-client';
import type { Producer } from 'kafkajs';
import { ConnectionState, createLogger } from '@shopgraph/kit';
import { superviseProducer } from './producer';

// The supervision logic with plain fake producers (the real broker path runs in the fault suite):
// a failed send marks the producer down and starts reconnecting fresh producers with backoff
// until one connects; that one replaces the old (disconnected) and sends go through it.

interface Fake {
  id: number;
  connected: boolean;
  disconnected: boolean;
  sent: unknown[];
}

function fakes(options: { connectFails: () => boolean; sendFails: (fake: Fake) => Error | null }) {
  const made: Fake[] = [];
  const create = (): Producer => {
    const fake: Fake = { id: made.length, connected: false, disconnected: false, sent: [] };
    made.push(fake);
    return {
      connect: async () => {
        if (options.connectFails()) throw Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' });
        fake.connected = true;
      },
      disconnect: async () => void (fake.disconnected = true),
      sendBatch: async (batch: unknown) => {
        const error = options.sendFails(fake);
        if (error) throw error;
        fake.sent.push(batch);
        return [];
      },
      isIdempotent: () => true,
    } as unknown as Producer;
  };
  return { made, create };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits (bounded) for a state the supervisor reaches by itself, so a loaded machine's slow timers do not fail the test. */
const reaches = async (probe: () => boolean) => {
  for (let i = 0; i < 200 && !probe(); i++) await sleep(10);
  return probe();
};

it('a failed send marks it down; fresh producers are connected with backoff until one connects, which replaces the old one', async () => {
  let brokerUp = true;
  const { made, create } = fakes({
    connectFails: () => !brokerUp,
    // The first producer stays broken after the outage (as an idempotent one can); fresh ones work while the broker is up.
    sendFails: (fake) => (!brokerUp || fake.id === 0 ? Object.assign(new Error('Connection timeout'), { name: 'KafkaJSNumberOfRetriesExceeded' }) : null),
  });
  const registry = new Registry();
  const state = new ConnectionState({ store: 'kafka_producer', client: 'outbox', metrics: registry });
  const supervised = await superviseProducer({ create, state, log: createLogger('test', 'silent'), initialBackoffMs: 10, maxBackoffMs: 40 });
  expect(state.connected).toBe(true);

  brokerUp = false;
  await expect(supervised.producer.sendBatch({ topicMessages: [] })).rejects.toThrow('Connection timeout');
  expect(state.connected).toBe(false);
  expect(await reaches(() => made.length > 3)).toBe(true);
  expect(state.connected).toBe(false); // still trying: every fresh producer fails to connect
  expect(made.slice(1).every((f) => f.disconnected)).toBe(true); // failed attempts leave nothing open

  brokerUp = true;
  expect(await reaches(() => state.connected)).toBe(true);
  expect(state.reconnects).toBe(1);
  expect(supervised.replacements).toBe(1);
  expect(made[0].disconnected).toBe(true);
  await supervised.producer.sendBatch({ topicMessages: [{ topic: 't', messages: [] }] });
  expect(made.at(-1)!.sent).toHaveLength(1);
  const created = made.length;
  await sleep(100);
  expect(made.length).toBe(created); // connected: no more attempts

  await supervised.producer.disconnect();
  expect(made.at(-1)!.disconnected).toBe(true);
  expect(state.connected).toBe(false);
});

it('a send that fails for the caller (invalid topic) is not an outage', async () => {
  const { made, create } = fakes({
    connectFails: () => false,
    sendFails: () => Object.assign(new Error('Invalid topic'), { name: 'KafkaJSNonRetriableError' }),
  });
  const state = new ConnectionState({ store: 'kafka_producer', client: 'outbox' });
  const supervised = await superviseProducer({ create, state, log: createLogger('test', 'silent'), initialBackoffMs: 10 });
  await expect(supervised.producer.sendBatch({ topicMessages: [] })).rejects.toThrow('Invalid topic');
  expect(state.connected).toBe(true);
  await sleep(50);
  expect(made).toHaveLength(1);
  await supervised.stop();
});

it('a send that succeeds after a failure (kafkajs got through on its own) is up again without a replacement', async () => {
  let fail = true;
  const { made, create } = fakes({ connectFails: () => true, sendFails: () => (fail ? new Error('Request timed out') : null) });
  let first = true;
  const state = new ConnectionState({ store: 'kafka_producer', client: 'outbox' });
  const supervised = await superviseProducer({
    create: () => {
      const p = create();
      if (first) {
        first = false;
        return { ...p, connect: async () => undefined } as Producer;
      }
      return p;
    },
    state,
    log: createLogger('test', 'silent'),
    initialBackoffMs: 10,
    maxBackoffMs: 20,
  });
  await expect(supervised.producer.sendBatch({ topicMessages: [] })).rejects.toThrow('Request timed out');
  expect(state.connected).toBe(false);
  fail = false;
  await supervised.producer.sendBatch({ topicMessages: [] });
  expect(state.connected).toBe(true);
  await sleep(60);
  expect(supervised.replacements).toBe(0);
  expect(made.length).toBeGreaterThanOrEqual(1);
  await supervised.stop();
});
