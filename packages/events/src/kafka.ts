import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { Span } from '@opentelemetry/api';
import { recordError, runWithLogFields, type Logger } from '@shopgraph/kit';
import { inConsumerSpan, messageContext, messageHeaders, startBatchSpan, startProducerSpan } from './trace-propagation';
import { backoffDelay, type BackoffOptions } from './backoff';
import { gaugeSource, sharedCounter } from './health-metrics';
import { ContractViolation, parseEvent, topicOf } from './envelope';
import type { EventEnvelope, TopicNamespace } from './contracts';

/** A kafkajs client whose log lines go to the service's JSON logger. */
export function createKafka(brokers: string[], clientId: string, log: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 5000,
    retry: { initialRetryTime: 200, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        // Retries are bounded on purpose (a relay must not hang on a dead broker); at-least-once
        // delivery with idempotent consumers covers what EoS would have.
        if (message.startsWith('Limiting retries for the idempotent producer')) return;
        // ensureTopics asks to create every topic it needs without listing the cluster's first; the
        // broker answers TOPIC_ALREADY_EXISTS for those that are there, which kafkajs's createTopics
        // returns as "not created" but its connection also logs, as "Topic creation errors". Any other
        // creation error is thrown by createTopics to ensureTopics, which retries and then throws it.
        if (message.startsWith('Response CreateTopics')) return;
        if (level <= logLevel.ERROR) log.error(rest, `kafka: ${message}`);
        else log.warn(rest, `kafka: ${message}`);
      },
  });
}

/** Partitions of a topic ensureTopics creates. */
export const TOPIC_PARTITIONS = 3;

/** Creates the topics this service uses (full, namespaced names: `topicsIn(ns)`) if they do not exist (3 partitions each locally). */
export async function ensureTopics(kafka: Kafka, topics: string[], numPartitions = TOPIC_PARTITIONS): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createUntilLed(admin, topics, numPartitions);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates the missing ones of `topics` and waits until every partition has a leader, retrying for
 * `timeoutMs`. It asks the broker to create all of them (an existing one is answered
 * TOPIC_ALREADY_EXISTS, which kafkajs treats as "not created") rather than listing the cluster's
 * topics first: that list is every topic of the cluster, thousands on a long-lived developer stack
 * where each test run adds its namespace's (measured: 2.2 s of one e2e file's 15.8 s CPU went to
 * decoding it), paid at every service and consumer start. On a fresh broker several services create the same topics at once: a topic is
 * listed before its partitions are hosted, another process's create wins the race, and kafkajs's
 * own leader wait inside createTopics throws "This server does not host this topic-partition"
 * (seen when the services and test files start together on a fresh CI broker). All of those only
 * mean "not yet": the leaders are waited for here, by metadata, and the last error is thrown only
 * when the deadline passes.
 */
async function createUntilLed(admin: Admin, topics: string[], numPartitions: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      await admin.createTopics({ waitForLeaders: false, topics: topics.map((topic) => ({ topic, numPartitions })) });
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.length === topics.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      lastError = null;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() + delay > deadline) {
      throw lastError ?? new Error(`Kafka topics without leaders after ${timeoutMs} ms: ${topics.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** An idempotent producer (acks=all, one in-flight request per broker, so retries keep order), not yet connected. */
export function newProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: true,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/** An idempotent producer (newProducer), connected. */
export async function createProducer(kafka: Kafka): Promise<Producer> {
  const producer = newProducer(kafka);
  await producer.connect();
  return producer;
}

/** Publishes envelopes to their topics in namespace `ns`, in the given order, keyed by aggregate id, waiting for all replicas. */
export async function publish(producer: Producer, events: EventEnvelope[], ns: TopicNamespace): Promise<void> {
  if (events.length === 0) return;
  const byTopic = new Map<string, EventEnvelope[]>();
  for (const e of events) {
    const topic = topicOf(e.type, ns);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), e]);
  }
  // One PRODUCER span per event, child of the span the event was created in (trace-propagation.ts);
  // a batch mixing several traces also gets one span linked to all of them.
  const batch = startBatchSpan(events, 'outbox');
  const batchLink = batch ? { context: batch.spanContext() } : undefined;
  const spans: Span[] = [];
  const topicMessages = [...byTopic].map(([topic, list]) => ({
    topic,
    messages: list.map((e) => {
      const span = startProducerSpan(e, topic, batchLink);
      spans.push(span);
      return { key: e.aggregateId, value: JSON.stringify(e), headers: messageHeaders(e, span) };
    }),
  }));
  try {
    await producer.sendBatch({ acks: -1, topicMessages });
  } catch (error) {
    for (const span of [...spans, ...(batch ? [batch] : [])]) recordError(span, error);
    throw error;
  } finally {
    for (const span of spans) span.end();
    batch?.end();
  }
}

export interface ConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  log: Logger;
  /** Runs the effect of one event; throwing leaves the offset uncommitted so it is redelivered. */
  handle: (event: EventEnvelope) => Promise<void>;
  /**
   * The event types `handle` acts on (default: every type). Messages of other types are skipped
   * on their `event-type` header without being parsed, traced or handed to `handle`.
   */
  handles?: (type: string) => boolean;
  /**
   * Partitions handled at the same time (default: 3 per topic, the partition count of
   * ensureTopics, at least 4). Within a partition messages are handled one after the other.
   */
  partitionsConsumedConcurrently?: number;
  /**
   * Where a group with no committed offset starts: true = the oldest message of every topic, false
   * (default) = the newest, a list = the oldest for these topics only (replicas that need the
   * history) and the newest for the rest (commands and saga replies, which must never be replayed
   * into a brand-new group).
   */
  fromBeginning?: boolean | readonly string[];
  /** Resolve only after the first fetch (default true): offsets are then fixed, so nothing produced afterwards is missed. */
  awaitFirstFetch?: boolean;
  /** How long start waits for that first fetch (default 60 s: a group whose old member died waits for the rebalance). */
  firstFetchTimeoutMs?: number;
  /** Commit offsets after each handled batch (default true); a reader that always starts at the newest offset needs none. */
  commitOffsets?: boolean;
  /** Registry for `kafka_consumer_up{group}`, `kafka_consumer_restarts_total{group}` and `kafka_consumer_lag{group,topic}`. */
  metrics?: Registry;
  /** Group session timeout (default 15 s; the broker's minimum is 6 s). */
  sessionTimeout?: number;
  /** Restart after a crash: capped exponential backoff (default 500 ms doubling to 30 s), without limit unless `maxRestarts` is set. */
  restart?: Partial<BackoffOptions> & { maxRestarts?: number };
  /** Readiness fails when a consumer that should run has not fetched (or handled a message) for this long (default 30 s). */
  staleAfterMs?: number;
  /** A consumer this long without a fetch is restarted by its watchdog, as after a crash (default 60 s). */
  stallRestartMs?: number;
  /** Liveness fails when the consumer has been down (no fetch) for this long even though it keeps restarting (default 5 min). */
  deadAfterMs?: number;
}

/** What a consumer is doing: `running` (joined, fetching), `restarting` (after a crash, waiting or rejoining), `failed` (gave up), `stopped`. */
export type ConsumerState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

export interface ConsumerHealth {
  groupId: string;
  state: ConsumerState;
  /** Epoch ms of the last fetch (or message handled); null before the first. */
  lastFetchAt: number | null;
  restarts: number;
  lastError: string | null;
}

export interface RunningConsumer {
  /** The current kafkajs consumer (replaced by each restart). */
  readonly consumer: Consumer;
  stop(): Promise<void>;
  health(): ConsumerHealth;
  /** Readiness probe: throws unless the consumer is running and fetched within `staleAfterMs`. */
  check(): Promise<void>;
  /** Liveness probe: throws only when it cannot run — gave up (`maxRestarts`) or down longer than `deadAfterMs`. */
  live(): Promise<void>;
  /** Calls `listener` after every fetch, across restarts; returns a function that removes it. */
  onFetch(listener: () => void): () => void;
}

/**
 * A group that starts at the newest offset commits nothing until a message arrives on a
 * partition; were it to restart before that, it would start at the newest offset again and skip
 * what arrived while it was down. So before the first join, every partition of `topics` the group
 * has never committed gets the partition's current end as its committed offset: "newest" is fixed
 * once, at the group's first start. Best effort: a group with active members (another replica
 * already running) cannot be changed, and needs no pinning from this one.
 */
async function pinNewPartitions(kafka: Kafka, groupId: string, topics: string[], log: Logger): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const seeks: { topic: string; partition: number; offset: string }[] = [];
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
      const missing = partitions.filter((p) => p.offset === '-1');
      if (missing.length === 0) continue;
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
      for (const p of missing) seeks.push({ topic, partition: p.partition, offset: ends.get(p.partition) ?? '0' });
    }
    if (seeks.length === 0) return;
    const { groups } = await admin.describeGroups([groupId]);
    const state = groups[0]?.state ?? 'Dead';
    if (state !== 'Empty' && state !== 'Dead') {
      log.debug({ groupId, state }, 'kafka consumer: new partitions not pinned to their end (the group is active elsewhere)');
      return;
    }
    await commitAsMember(kafka, groupId, seeks);
  } catch (error) {
    log.debug(
      { groupId, reason: errorText(error) },
      'kafka consumer: new partitions not pinned to their end (the group is active elsewhere)',
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Commits `seeks` for a group nobody runs, in one short membership: join, seek every partition
 * (kafkajs commits a seek), one fetch, leave. kafkajs' admin.setOffsets does the same per topic
 * and waits out a paused fetch each time (its default 5 s wait): ~5 s per topic at every start of
 * a new group (26 s for orders' four), where this takes well under a second for all of them.
 */
async function commitAsMember(kafka: Kafka, groupId: string, seeks: { topic: string; partition: number; offset: string }[]): Promise<void> {
  const topics = [...new Set(seeks.map((s) => s.topic))];
  // Short session and rebalance timeouts (the broker's minimum session is 6 s): should its leave be
  // lost, the service's own consumer joining next waits at most that long, not kafkajs' 30/60 s.
  // Restarted after a crash only until it is done: a restart that ran after our disconnect would
  // leave a member in the group that holds partitions and never reads them, and the service's own
  // consumer would get none (seen as "no fetch within 60 s" at a start). Should one rejoin anyway,
  // it is disconnected again at once.
  let done = false;
  const member = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 50,
    sessionTimeout: 6000,
    rebalanceTimeout: 6000,
    heartbeatInterval: 1000,
    retry: { retries: 5, restartOnFailure: async () => !done },
  });
  member.on(member.events.GROUP_JOIN, () => {
    if (done) void member.disconnect().catch(() => undefined);
  });
  await member.connect();
  try {
    await member.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no fetch within 30 s while pinning offsets')), 30_000);
      const remove = member.on(member.events.FETCH, () => {
        clearTimeout(timer);
        remove();
        resolve();
      });
      member.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch((error: unknown) => {
        clearTimeout(timer);
        reject(error);
      });
      // Nothing is read: every partition stays paused while its seek is committed.
      member.pause(topics.map((topic) => ({ topic })));
      for (const seek of seeks) member.seek(seek);
    });
  } finally {
    done = true;
    await member.disconnect().catch(() => undefined);
  }
}

/**
 * Resolves after the first fetch reported through `onFetch` (subscribe before `run()`), or fails
 * after `timeoutMs` with `describe()`'s account of why. Takes a subscription rather than one kafkajs
 * consumer: a consumer that crashes while joining is replaced, and the fetch that counts is the
 * replacement's (listening to the first instance only made every start with a crash in its join
 * wait out the whole timeout, then fail, although the replacement was fetching).
 */
export function waitForFirstFetch(
  onFetch: (listener: () => void) => () => void,
  timeoutMs = 60_000,
  describe: () => string = () => '',
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      remove();
      signal?.removeEventListener('abort', aborted);
    };
    const aborted = () => {
      done();
      reject(new Error('stopped waiting for the first fetch'));
    };
    const timer = setTimeout(() => {
      done();
      const why = describe();
      reject(new Error(`Kafka consumer made no fetch within ${timeoutMs} ms${why ? ` (${why})` : ''}`));
    }, timeoutMs);
    const remove = onFetch(() => {
      done();
      resolve();
    });
    signal?.addEventListener('abort', aborted);
  });
}

const LOST_MEMBERSHIP = new Set([
  'UNKNOWN_MEMBER_ID',
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'FENCED_INSTANCE_ID',
]);

/**
 * True when an offset commit failed because this member is no longer (or not yet again) in the
 * group: the partition is or will be reassigned and its uncommitted messages redelivered.
 */
export function isLostMembership(error: unknown): boolean {
  for (
    let e = error as { type?: string; message?: string; cause?: unknown } | undefined, depth = 0;
    e && depth < 8;
    e = e.cause as typeof e, depth++
  ) {
    if (e.type && LOST_MEMBERSHIP.has(e.type)) return true;
    if (typeof e.message === 'string' && /coordinator is not aware of this member|rebalance/i.test(e.message)) return true;
  }
  return false;
}

/** A header's text (kafkajs gives a Buffer, a string or a list). */
const headerText = (value: string | Buffer | (string | Buffer)[] | undefined): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
};

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * Consumes `topics` in a consumer group, a fetched batch per partition at a time (every assigned
 * partition concurrently, each in order), and commits a batch's offset once, after `handle` has
 * made the effect of each of its messages durable. Malformed messages (contract violations) are
 * logged and skipped; unknown event types, and types `handles` declines, are skipped. Handlers
 * must be idempotent: delivery is at least once (a crash before a batch's commit redelivers it).
 *
 * Survives the broker: kafkajs rejoins after rebalances; a commit refused because the group
 * moved on (UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, …) is logged and skipped, as redelivery
 * follows; after a crash (kafkajs CRASH, which it does not restart for non-retriable errors) a
 * new consumer joins with capped exponential backoff, for as long as this one is not stopped;
 * a consumer that stops fetching is restarted by a watchdog. `check()` and `live()` feed
 * readiness and liveness.
 */
export async function startConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const { log, groupId } = options;
  const backoff: BackoffOptions = { initialMs: options.restart?.initialMs ?? 500, maxMs: options.restart?.maxMs ?? 30_000 };
  const maxRestarts = options.restart?.maxRestarts ?? Infinity;
  const staleAfterMs = options.staleAfterMs ?? 30_000;
  const stallRestartMs = options.stallRestartMs ?? 60_000;
  const deadAfterMs = options.deadAfterMs ?? 300_000;
  const handles = options.handles;
  const concurrency = options.partitionsConsumedConcurrently ?? Math.max(4, options.topics.length * TOPIC_PARTITIONS);

  let current: Consumer;
  let state: ConsumerState = 'starting';
  let lastFetchAt: number | null = null;
  let downSince: number | null = null;
  let restarts = 0;
  let failuresInARow = 0;
  let lastError: string | null = null;
  let handling = 0;
  let restartTimer: NodeJS.Timeout | null = null;
  let commitWarned = false;

  const restartsTotal = options.metrics
    ? sharedCounter(options.metrics, 'kafka_consumer_restarts_total', 'Kafka consumers restarted after a crash or stall, by group', [
        'group',
      ])
    : null;
  const healthy = () => state === 'running' && lastFetchAt !== null && Date.now() - lastFetchAt <= staleAfterMs;
  const removeGauge = options.metrics
    ? gaugeSource(options.metrics, 'kafka_consumer_up', 'Kafka consumer running and fetching (1) or down (0), by group', ['group'], () => [
        [{ group: groupId }, healthy() ? 1 : 0],
      ])
    : () => undefined;

  // Consumer lag by topic: what the last handled batch of each partition left behind its end
  // (kafkajs END_BATCH_PROCESS offsetLag), summed over the topic's partitions.
  const lags = new Map<string, Map<number, number>>();
  const removeLagGauge = options.metrics
    ? gaugeSource(
        options.metrics,
        'kafka_consumer_lag',
        'Kafka messages not yet consumed, by group and topic (after the last handled batch)',
        ['group', 'topic'],
        () => [...lags].map(([topic, parts]) => [{ group: groupId, topic }, [...parts.values()].reduce((a, b) => a + b, 0)]),
      )
    : () => undefined;

  const fetchListeners = new Set<() => void>();
  /** Calls `listener` after every fetch, across restarts; returns a function that removes it. */
  const onFetch = (listener: () => void) => {
    fetchListeners.add(listener);
    return () => void fetchListeners.delete(listener);
  };
  const markFetch = () => {
    lastFetchAt = Date.now();
    if (state !== 'running' && state !== 'stopped' && state !== 'failed') state = 'running';
    if (downSince !== null) {
      log.info({ groupId, downForMs: Date.now() - downSince, restarts }, 'kafka consumer is fetching again');
      downSince = null;
      failuresInARow = 0;
    }
  };

  const down = (reason: string) => {
    downSince ??= Date.now();
    lastError = reason;
  };

  const scheduleRestart = (instance: Consumer, reason: string) => {
    if (state === 'stopped' || instance !== current || restartTimer) return;
    down(reason);
    void instance.disconnect().catch(() => undefined);
    if (restarts >= maxRestarts) {
      state = 'failed';
      log.error({ groupId, restarts, reason }, 'kafka consumer gave up after its last allowed restart; liveness now fails');
      return;
    }
    state = 'restarting';
    const delay = backoffDelay(failuresInARow, backoff);
    failuresInARow++;
    log.error({ groupId, reason, restartInMs: delay, restarts }, 'kafka consumer crashed; restarting');
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (state === 'stopped') return;
      restarts++;
      restartsTotal?.inc({ group: groupId });
      launch().catch((error) => {
        // connect/subscribe failed (broker still away): back off and try again.
        scheduleRestart(current, `restart failed: ${errorText(error)}`);
      });
    }, delay);
    restartTimer.unref();
  };

  const launch = async (): Promise<Consumer> => {
    const consumer = options.kafka.consumer({
      groupId,
      // The broker answers a fetch as soon as one byte is there (minBytes 1): measured on the local
      // broker, event latency is ~3 ms p50 whether this is 50 ms or 5 s. It bounds how long an
      // empty fetch parks, i.e. the worst case across several brokers; 250 ms keeps that well under
      // a second without the idle CPU of polling every 50 ms (kafkajs' default is 5 s).
      maxWaitTimeInMs: 250,
      sessionTimeout: options.sessionTimeout ?? 15000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10000,
      // kafkajs restarts only after retriable crashes; this supervisor restarts after every crash, with its own backoff.
      retry: { initialRetryTime: 200, retries: 10, restartOnFailure: async () => false },
    });
    current = consumer;
    const { FETCH, FETCH_START, CRASH, GROUP_JOIN, END_BATCH_PROCESS } = consumer.events;
    consumer.on(END_BATCH_PROCESS, ({ payload }) => {
      let parts = lags.get(payload.topic);
      if (!parts) lags.set(payload.topic, (parts = new Map()));
      parts.set(payload.partition, Math.max(0, Number(payload.offsetLag)));
    });
    consumer.on(FETCH_START, markFetch);
    consumer.on(FETCH, () => {
      markFetch();
      for (const listener of fetchListeners) listener();
    });
    consumer.on(GROUP_JOIN, () => {
      commitWarned = false;
    });
    consumer.on(CRASH, (event) => scheduleRestart(consumer, errorText(event.payload.error)));
    try {
      await consumer.connect();
      const history = options.fromBeginning ?? false;
      const fromStart = options.topics.filter((t) => history === true || (Array.isArray(history) && history.includes(t)));
      const fromEnd = options.topics.filter((t) => !fromStart.includes(t));
      if (fromStart.length > 0) await consumer.subscribe({ topics: fromStart, fromBeginning: true });
      if (fromEnd.length > 0) await consumer.subscribe({ topics: fromEnd, fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        // Every assigned partition at once: kafkajs hands a fetch's batches to these workers and
        // fetches again only when all of them are done, so fewer workers than partitions would
        // queue one partition's batch behind another's. Order holds within a partition.
        partitionsConsumedConcurrently: concurrency,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const { topic, partition } = batch;
          handling++;
          // The offset after the last message handled (or skipped) in this batch: committed once,
          // at the end of the batch or when a handler fails (what came before it is done; the
          // failed message and the rest are fetched again). A crash before the commit redelivers
          // the batch, which the handlers' inbox makes harmless (delivery is at least once).
          let done: string | null = null;
          const commit = async () => {
            if (done === null || options.commitOffsets === false) return;
            const offset = done;
            done = null;
            try {
              await consumer.commitOffsets([{ topic, partition, offset }]);
            } catch (error) {
              if (!isLostMembership(error)) throw error;
              // The group moved on (broker pause, session expiry): the partition's uncommitted
              // messages come again after the rejoin, and the inbox makes the repeat harmless.
              if (!commitWarned)
                log.warn(
                  { groupId, topic, partition, offset, reason: errorText(error) },
                  'offset commit refused after a lost group membership; redelivery will follow',
                );
              commitWarned = true;
            }
          };
          try {
            for (const message of batch.messages) {
              if (!isRunning() || isStale()) break;
              // A type this group has no handler for is skipped on its header alone: no parsing,
              // no span, no database work; its offset goes with the batch's one commit.
              const type = handles ? headerText(message.headers?.['event-type']) : undefined;
              if (type === undefined || handles!(type)) {
                let event: EventEnvelope | null = null;
                try {
                  event = parseEvent(message.value);
                } catch (error) {
                  if (!(error instanceof ContractViolation)) throw error;
                  log.error(
                    { topic, partition, offset: message.offset, reason: error.message },
                    'skipping a message that breaks the event contract',
                  );
                }
                // The handler runs in a CONSUMER span continuing the message's trace, and every log
                // line it writes carries the event's correlation id (the request that started the flow).
                if (event && (!handles || handles(event.type))) {
                  const handled = event;
                  await inConsumerSpan(topic, partition, message.offset, groupId, messageContext(message.headers, handled), handled, () =>
                    runWithLogFields({ requestId: handled.correlationId, eventId: handled.id, eventType: handled.type }, () =>
                      options.handle(handled),
                    ),
                  );
                }
              }
              resolveOffset(message.offset);
              done = (BigInt(message.offset) + 1n).toString();
              lastFetchAt = Date.now();
              // kafkajs sends it only when the heartbeat interval has passed.
              await heartbeat();
            }
          } catch (error) {
            await commit().catch(() => undefined);
            throw error;
          } finally {
            handling--;
            lastFetchAt = Date.now();
          }
          await commit();
        },
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    return consumer;
  };

  const history = options.fromBeginning ?? false;
  const fromEnd = options.topics.filter((t) => !(history === true || (Array.isArray(history) && history.includes(t))));
  // Subscribing to a topic that another process is still creating fails with "does not host this
  // topic-partition" (kafkajs does not retry it): create what is missing and wait for leaders first.
  await ensureTopics(options.kafka, options.topics);
  if (fromEnd.length > 0 && options.commitOffsets !== false) await pinNewPartitions(options.kafka, groupId, fromEnd, log);
  const giveUp = new AbortController();
  const fetched =
    options.awaitFirstFetch === false
      ? null
      : waitForFirstFetch(
          onFetch,
          options.firstFetchTimeoutMs,
          () => `state ${state}, ${restarts} restarts${lastError ? `, last error: ${lastError}` : ''}`,
          giveUp.signal,
        );
  fetched?.catch(() => undefined); // awaited below; launch() may throw first
  try {
    await launch();
  } catch (error) {
    giveUp.abort();
    throw error;
  }
  if (fetched) {
    try {
      await fetched;
    } catch (error) {
      state = 'stopped';
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = null;
      await current!.disconnect().catch(() => undefined);
      removeGauge();
      removeLagGauge();
      throw error;
    }
  }

  // Watchdog: a consumer that should run but has not fetched for `stallRestartMs` (kafkajs stuck
  // somewhere without a CRASH) is replaced like a crashed one.
  const watchdog = setInterval(
    () => {
      if (state !== 'running' || handling > 0 || lastFetchAt === null) return;
      if (Date.now() - lastFetchAt > stallRestartMs) scheduleRestart(current, `no fetch for ${Date.now() - lastFetchAt} ms`);
    },
    Math.max(1000, Math.min(5000, stallRestartMs / 4)),
  );
  watchdog.unref();

  const health = (): ConsumerHealth => ({ groupId, state, lastFetchAt, restarts, lastError });
  return {
    get consumer() {
      return current;
    },
    health,
    onFetch,
    async check() {
      if (healthy()) return;
      const since = lastFetchAt === null ? 'never fetched' : `last fetch ${Date.now() - lastFetchAt} ms ago`;
      throw new Error(`consumer ${groupId} ${state}, ${since}${lastError && state !== 'running' ? ` (${lastError})` : ''}`);
    },
    async live() {
      if (state === 'failed') throw new Error(`consumer ${groupId} gave up after ${restarts} restarts: ${lastError}`);
      if (state === 'stopped') throw new Error(`consumer ${groupId} stopped`);
      const stale = lastFetchAt === null ? 0 : Date.now() - lastFetchAt;
      if (stale > deadAfterMs) throw new Error(`consumer ${groupId} has not fetched for ${stale} ms`);
    },
    stop: async () => {
      state = 'stopped';
      clearInterval(watchdog);
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = null;
      removeGauge();
      removeLagGauge();
      await current.disconnect();
    },
  };
}
