import type { GraphQLSchema } from 'graphql';
import type { Registry } from 'prom-client';
import type { DataSource, EntitySchema, MixedList } from 'typeorm';
import { MongoClient, type Db } from 'mongodb';
import type { Redis } from 'ioredis';
import type { Kafka, Producer } from 'kafkajs';
import type { z } from 'zod';
import {
  ConnectionState,
  countMongoCommands,
  createDataSource,
  createLogger,
  createMetricsRegistry,
  createRedis,
  createSubgraphServer,
  loadConfig,
  mongoClientOptions,
  namespaceOf,
  openDatabase,
  PeriodicTask,
  postgresDeadlines,
  redisDeadlines,
  storeQueryCounter,
  watchMongo,
  watchPostgresPool,
  type BaseConfig,
  type Logger,
  type Namespace,
  type ReadinessCheck,
  type RequestContext,
  type RunningServer,
  type SubgraphServerOptions,
} from '@shopgraph/kit';
import {
  BASE_TOPICS,
  contracts,
  createKafka,
  DocumentLocks,
  ensureTopics,
  MongoOutboxRelay,
  newProducer,
  PostgresOutboxRelay,
  startConsumer,
  topicsIn,
  type ConsumerHealth,
  type ConsumerOptions,
  type EventEnvelope,
  type EventType,
  type RunningConsumer,
  type TopicKey,
  type TopicNames,
} from '@shopgraph/events';
import type { KafkaConfig } from './config';
import { Teardown } from './teardown';
import { superviseProducer } from './producer';

/**
 * What every subgraph config carries: the kit's base config (deadlines, SG_NAMESPACE, log level,
 * internal-token keys), a PORT, the Kafka fragment when it uses Kafka (`kafkaConfig()`), and the
 * URL of every store it declares (DATABASE_URL, MONGO_URL + MONGO_DB, REDIS_URL).
 */
export type SubgraphConfig = BaseConfig & { PORT: number } & Partial<KafkaConfig> & {
    DATABASE_URL?: string;
    MONGO_URL?: string;
    MONGO_DB?: string;
    REDIS_URL?: string;
  };

/** PostgreSQL (config DATABASE_URL): a TypeORM data source with the kit's deadlines; the database is created if missing and migrated at open. */
export interface PostgresStoreSpec {
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
  poolSize?: number;
}

/**
 * MongoDB (config MONGO_URL, MONGO_DB): the request path's client (`mongo`/`db`, every command
 * counted in store_queries_total) and, for the background work (outbox relay, consumers, indexes,
 * the readiness ping), a second one (`backgroundDb`), so the counter shows what requests cost.
 */
export interface MongoStoreSpec {
  /** Pool size of the background client (default: the driver's). */
  backgroundPoolSize?: number;
  /** Prepares the database at open, before anything uses it: indexes, in-place data migrations (on the background client). */
  prepare?: (db: Db) => Promise<unknown>;
}

/** Redis (config REDIS_URL): the kit's deadline client. */
export interface RedisStoreSpec {
  /**
   * `required` (default): open waits for the connection and readiness checks it. `degradable`:
   * open waits, but readiness does not check it (the service answers a clean error on the few
   * calls that need it). `cache`: neither; it connects in the background and reconnects forever.
   */
  role?: 'required' | 'degradable' | 'cache';
}

export interface StoresSpec {
  postgres?: PostgresStoreSpec;
  mongo?: MongoStoreSpec;
  redis?: RedisStoreSpec;
}

/** The open stores, by what was declared. */
export type OpenStores<St> = (St extends { postgres: PostgresStoreSpec } ? { dataSource: DataSource } : unknown) &
  (St extends { mongo: MongoStoreSpec } ? { mongo: MongoClient; db: Db; backgroundDb: Db } : unknown) &
  (St extends { redis: RedisStoreSpec } ? { redis: Redis } : unknown);

/** Names of the config's numeric settings. */
export type NumberSetting<C> = { [K in keyof C]: C[K] extends number ? K : never }[keyof C] & string;

/** The outbox a service publishes its events from (relay started by `start()`, backlog gauge `outbox_backlog`). */
export type OutboxSpec<C = SubgraphConfig> =
  | {
      store: 'postgres';
      /** The relay's safety-net poll (NOTIFY wakes it at once): milliseconds, or the name of the config setting holding them. */
      pollIntervalMs?: number | NumberSetting<C>;
      /** Register `outbox_backlog` (default true; false where the service registers its own). */
      backlogGauge?: boolean;
    }
  | {
      store: 'mongo';
      /** Collections (of MONGO_DB) whose documents carry an in-document outbox. */
      collections: string[];
      /** The relay's safety-net poll (writes wake it): milliseconds, or the name of the config setting holding them. */
      pollIntervalMs?: number | NumberSetting<C>;
    };

export type RelayOf<Ob> = Ob extends { store: 'postgres' } ? PostgresOutboxRelay : Ob extends { store: 'mongo' } ? MongoOutboxRelay : never;
type RelayPart<Ob> = [Ob] extends [{ store: 'postgres' | 'mongo' }] ? { relay: RelayOf<Ob> } : unknown;

/** Handlers by event type; each must be idempotent (delivery is at least once). */
export type EventHandlers = { [T in EventType]?: (event: EventEnvelope<T>) => Promise<unknown> };

/**
 * One stream a service consumes, switched on and off by the config's CONSUMERS. Consumers run in
 * the group KAFKA_GROUP_ID (in the namespace), all in one Kafka consumer, unless one names a
 * `group` of its own (then `<KAFKA_GROUP_ID>.<group>`).
 */
export interface ConsumerSpec {
  /** The topics it reads (base keys; named in the namespace at run time). */
  topics: TopicKey[];
  /**
   * True for a replica that needs the topics' history: a brand-new group reads them from the
   * oldest message when KAFKA_FROM_BEGINNING is true. False (default) for commands and replies,
   * which a brand-new group must never replay: it starts at the newest offset.
   */
  fromBeginning?: boolean;
  /** What to do per event type; types without a handler are skipped (their offsets committed). */
  handlers: EventHandlers;
  /** Run in a group of its own, `<KAFKA_GROUP_ID>.<group>`. */
  group?: string;
  /** Called with the running Kafka consumer of its group once it has started (e.g. to watch its fetches). */
  onStart?: (running: RunningConsumer) => void;
  /** Tuning of the group's consumer (supervision, staleness; see startConsumer). */
  tuning?: Pick<ConsumerOptions, 'sessionTimeout' | 'restart' | 'staleAfterMs' | 'stallRestartMs' | 'deadAfterMs'>;
}

/** Something with a start and a stop (a sweeper, a recovery loop, a drain on stop). */
export interface Startable {
  start(): unknown;
  stop(): Promise<unknown> | unknown;
}

/** A periodic task run by the kit's PeriodicTask (runs never overlap; failures are logged and retried). */
export interface PeriodicTaskSpec {
  name: string;
  intervalMs: number;
  run: () => Promise<unknown>;
  runAtStart?: boolean;
}

/** Checks beyond those derived from what was declared. */
export interface ExtraChecks {
  readiness?: Record<string, ReadinessCheck>;
  liveness?: Record<string, ReadinessCheck>;
  degraded?: Record<string, ReadinessCheck>;
}

/** What every step of a definition sees. */
export interface BaseContext<C> {
  name: string;
  config: C;
  log: Logger;
  metrics: Registry;
  /** The run's namespace (SG_NAMESPACE): topics, groups, keys, database names. */
  namespace: Namespace;
  /** Every topic's full name in the namespace. */
  topics: TopicNames;
  /** Per-document locks (shared by a Mongo outbox relay and the writes it races). */
  locks: DocumentLocks;
  /** The Kafka client (null when the service declares no topic, outbox or consumer). */
  kafka: Kafka | null;
  /** Registers something to undo at stop, after everything started later is stopped (reverse order). */
  onStop(name: string, undo: () => unknown): void;
}

export type WireContext<C, St, Ob> = BaseContext<C> & OpenStores<St> & RelayPart<Ob>;
export type WiredContext<C, St, Ob, W> = WireContext<C, St, Ob> & W;

type Routes = NonNullable<SubgraphServerOptions<RequestContext>['routes']>;
type App = Parameters<Routes>[0];

export interface SubgraphSpec<S extends z.ZodType<SubgraphConfig>, St extends StoresSpec, Ob extends OutboxSpec<z.output<S>> | undefined, W extends object, RC extends RequestContext> {
  /** The subgraph's name: logger, metrics prefix, internal-token audience, Kafka client id, schema file. */
  name: string;
  /** Its config schema: kit `baseConfigSchema.extend({ PORT, ...kafkaConfig(...), ...stores' URLs, ...own })`. */
  config: S;
  /** Builds the federated schema. */
  schema: () => Promise<GraphQLSchema>;
  stores?: St & StoresSpec;
  /**
   * The broker's place in readiness: `required` (default) fails readiness while Kafka is away;
   * `degradable` only marks the service degraded (a service whose requests never wait for Kafka:
   * its events wait in the outbox until the broker is back).
   */
  kafka?: { role?: 'required' | 'degradable' };
  /** Topics created (if missing) at open: the ones it publishes to. Consumed topics are created by their consumer. */
  topics?: TopicKey[];
  outbox?: Ob;
  /** Builds the service's own objects (services, stores, handlers' dependencies) from the open stores; its result joins the context and the service. */
  wire?: (ctx: WireContext<z.output<S>, St, Ob>) => W | Promise<W>;
  /** The streams it consumes, by consumer name (the names CONSUMERS selects from). */
  consumers?: (ctx: WiredContext<z.output<S>, St, Ob, W>) => Record<string, ConsumerSpec>;
  /** Background work started after the relay and before the consumers (stopped in reverse). */
  tasks?: (ctx: WiredContext<z.output<S>, St, Ob, W>) => Array<Startable | PeriodicTaskSpec>;
  /** Checks beyond the derived ones (stores, broker, consumers, outbox listener). */
  checks?: (ctx: WiredContext<z.output<S>, St, Ob, W>) => ExtraChecks;
  /** Per-request context: the kit's base context plus loaders and services. */
  context?: (base: RequestContext, ctx: WiredContext<z.output<S>, St, Ob, W>) => RC | Promise<RC>;
  /** Extra public routes (mounted before /graphql). */
  routes?: (app: App, ctx: WiredContext<z.output<S>, St, Ob, W>) => void;
  /** Input coordinates whose text may span lines (kit inputTextPlugin). */
  multilineInputs?: string[];
}

/** Lifecycle and handles every service has. */
export interface SubgraphBase<C> {
  readonly name: string;
  readonly config: C;
  readonly log: Logger;
  readonly metrics: Registry;
  readonly namespace: Namespace;
  readonly topics: TopicNames;
  /** The HTTP server (express app for in-process tests). */
  readonly server: RunningServer;
  /**
   * Starts, in order: the outbox relay, the tasks, the consumers, then the HTTP server; resolves
   * with the bound URL (PORT 0 picks a free port). Idempotent (a second call returns the first's
   * result). A start that fails stops everything already opened or started, then rejects; a
   * stopped service refuses to start again (create a new one).
   */
  start(): Promise<{ url: string; port: number }>;
  /**
   * Stops everything in the reverse order of opening and starting (HTTP server, consumers, tasks,
   * relay, whatever `wire` registered, Kafka, stores). Idempotent; waits for a start in progress;
   * always resolves (failures of single steps are logged). A stopped service cannot start again.
   */
  stop(): Promise<void>;
  /** Feeds one event to the declared handlers as the consumers would (whatever CONSUMERS says): for tests and tools. */
  handle(event: EventEnvelope): Promise<void>;
  /** Health of the running Kafka consumers, one per group. */
  consumerHealth(): ConsumerHealth[];
}

export type SubgraphService<C, St, Ob, W> = SubgraphBase<C> & OpenStores<St> & RelayPart<Ob> & W;

export interface SubgraphDefinition<C, Svc> {
  readonly name: string;
  /** Reads and validates the config from the environment (kit loadConfig). */
  loadConfig(env?: NodeJS.ProcessEnv): C;
  /**
   * Opens the service: checks the namespace, opens the stores (migrating PostgreSQL), connects
   * Kafka (declared topics, producer, admin), builds the relay, runs `wire`, builds the server.
   * Nothing listens or consumes until `start()`. A failure undoes what was opened, then rejects.
   */
  create(config: C): Promise<Svc>;
  /** The federated schema (for emit-schema and the drift test). */
  buildSchema(): Promise<GraphQLSchema>;
}

/** The service type of a definition. */
export type ServiceOf<D> = D extends SubgraphDefinition<unknown, infer Svc> ? Svc : never;

const RESERVED = new Set([
  'name', 'config', 'log', 'metrics', 'namespace', 'topics', 'server', 'start', 'stop', 'handle', 'consumerHealth',
  'dataSource', 'mongo', 'db', 'backgroundDb', 'redis', 'relay', 'kafka', 'locks', 'onStop',
]);

const isStartable = (task: Startable | PeriodicTaskSpec): task is Startable =>
  typeof (task as Startable).start === 'function' && typeof (task as Startable).stop === 'function';

const TOPIC_KEY_OF_BASE = new Map(Object.entries(BASE_TOPICS).map(([key, base]) => [base as string, key as TopicKey]));

/**
 * Defines a subgraph once: what it stores, publishes, consumes and runs in the background, and how
 * it is wired; the lifecycle (open, start, stop in reverse, health checks, metrics) is the same for
 * every subgraph. See README "Writing a subgraph".
 */
export function defineSubgraph<
  S extends z.ZodType<SubgraphConfig>,
  St extends StoresSpec = Record<never, never>,
  Ob extends OutboxSpec<z.output<S>> | undefined = undefined,
  W extends object = Record<never, never>,
  RC extends RequestContext = RequestContext,
>(spec: SubgraphSpec<S, St, Ob, W, RC>): SubgraphDefinition<z.output<S>, SubgraphService<z.output<S>, St, Ob, W>> {
  type C = z.output<S>;
  const { name } = spec;
  validateStatic(spec);
  return {
    name,
    loadConfig: (env = process.env) => loadConfig(spec.config, env) as C,
    buildSchema: () => spec.schema(),
    create: (config) => createService(spec, config) as Promise<SubgraphService<C, St, Ob, W>>,
  };
}

function validateStatic(spec: SubgraphSpec<any, any, any, any, any>): void {
  if (!/^[a-z][a-z0-9-]*$/.test(spec.name)) throw new Error(`defineSubgraph: invalid name ${JSON.stringify(spec.name)}`);
  for (const key of spec.topics ?? []) if (!(key in BASE_TOPICS)) throw new Error(`defineSubgraph(${spec.name}): unknown topic ${key}`);
}

/** Checks a consumer map against the contracts: known topics, handlers only for event types of those topics, no type handled twice in one group. */
function validateConsumers(name: string, consumers: Record<string, ConsumerSpec>): void {
  const byGroup = new Map<string, Map<string, string>>();
  for (const [consumer, spec] of Object.entries(consumers)) {
    if (spec.topics.length === 0) throw new Error(`${name} consumer ${consumer}: no topics`);
    for (const key of spec.topics) if (!(key in BASE_TOPICS)) throw new Error(`${name} consumer ${consumer}: unknown topic ${key}`);
    const group = spec.group ?? '';
    const seen = byGroup.get(group) ?? new Map<string, string>();
    byGroup.set(group, seen);
    for (const type of Object.keys(spec.handlers)) {
      const contract = contracts[type as EventType];
      if (!contract) throw new Error(`${name} consumer ${consumer}: unknown event type ${type}`);
      const topicKey = TOPIC_KEY_OF_BASE.get(contract.topic);
      if (!topicKey || !spec.topics.includes(topicKey)) {
        throw new Error(`${name} consumer ${consumer}: ${type} arrives on ${contract.topic}, which it does not read (${spec.topics.join(', ')})`);
      }
      const other = seen.get(type);
      if (other) throw new Error(`${name}: ${type} is handled by both ${other} and ${consumer} in one consumer group`);
      seen.set(type, consumer);
    }
  }
}

function required(config: SubgraphConfig, key: 'DATABASE_URL' | 'MONGO_URL' | 'MONGO_DB' | 'REDIS_URL', name: string, store: string): string {
  const value = config[key];
  if (typeof value !== 'string' || value === '') throw new Error(`Invalid configuration:\n  ${key}: required by ${name}'s ${store} store`);
  return value;
}

async function createService(spec: SubgraphSpec<any, StoresSpec, OutboxSpec<any> | undefined, any, any>, config: SubgraphConfig): Promise<object> {
  const { name } = spec;
  const stores = spec.stores ?? {};
  const log = createLogger(name, config.LOG_LEVEL);
  const metrics = createMetricsRegistry(name);
  const namespace = namespaceOf(config, {
    postgres: stores.postgres ? [required(config, 'DATABASE_URL', name, 'postgres')] : [],
    mongo: stores.mongo ? [required(config, 'MONGO_DB', name, 'mongo')] : [],
  });
  const topics = topicsIn(namespace);
  const teardown = new Teardown(log);
  const usesKafka = (spec.topics?.length ?? 0) > 0 || spec.outbox !== undefined || spec.consumers !== undefined;

  const ctx: Record<string, unknown> & BaseContext<SubgraphConfig> = {
    name,
    config,
    log,
    metrics,
    namespace,
    topics,
    locks: new DocumentLocks(),
    kafka: null,
    onStop: (step, undo) => teardown.push(step, undo),
  };
  const readiness: Record<string, ReadinessCheck> = {};
  const liveness: Record<string, ReadinessCheck> = {};
  const degraded: Record<string, ReadinessCheck> = {};
  let relay: PostgresOutboxRelay | MongoOutboxRelay | null = null;

  try {
    // The schema first: it needs nothing opened, and a broken one fails before anything is.
    const schema = await spec.schema();

    // 1. Stores.
    if (stores.postgres) {
      const url = required(config, 'DATABASE_URL', name, 'postgres');
      const dataSource = createDataSource({ url, ...stores.postgres, metrics, deadlines: postgresDeadlines(config) });
      teardown.push('postgres', () => (dataSource.isInitialized ? dataSource.destroy() : undefined));
      await openDatabase(dataSource, url, log);
      // The pool's connectivity (datastore_connected{store="postgres",client="pool"}): a cheap probe, see watchPostgresPool.
      const pool = (dataSource.driver as unknown as { master: Parameters<typeof watchPostgresPool>[0] }).master;
      const stopWatching = watchPostgresPool(pool, new ConnectionState({ store: 'postgres', client: 'pool', metrics, log }));
      teardown.push('postgres watch', stopWatching);
      ctx.dataSource = dataSource;
      readiness.postgres = () => dataSource.query('SELECT 1');
    }
    if (stores.mongo) {
      const url = required(config, 'MONGO_URL', name, 'mongo');
      const dbName = required(config, 'MONGO_DB', name, 'mongo');
      const mongo = new MongoClient(url, mongoClientOptions(config, { monitorCommands: true }));
      countMongoCommands(mongo, storeQueryCounter(metrics));
      const background = new MongoClient(url, mongoClientOptions(config, stores.mongo.backgroundPoolSize ? { maxPoolSize: stores.mongo.backgroundPoolSize } : {}));
      // Connectivity of both clients from the driver's server monitoring (datastore_connected{store="mongo"}).
      const states = [
        watchMongo(mongo, new ConnectionState({ store: 'mongo', client: 'request', metrics, log })),
        watchMongo(background, new ConnectionState({ store: 'mongo', client: 'background', metrics, log })),
      ];
      teardown.push('mongo', () => {
        for (const state of states) state.close();
        return Promise.all([mongo.close(), background.close()]);
      });
      await Promise.all([connectAtStart('mongo', () => mongo.connect(), log), connectAtStart('mongo', () => background.connect(), log)]);
      const db = mongo.db(dbName);
      const backgroundDb = background.db(dbName);
      await stores.mongo.prepare?.(backgroundDb);
      Object.assign(ctx, { mongo, db, backgroundDb });
      readiness.mongodb = () => backgroundDb.command({ ping: 1 });
    }
    if (stores.redis) {
      const role = stores.redis.role ?? 'required';
      const redis = createRedis(required(config, 'REDIS_URL', name, 'redis'), { ...redisDeadlines(config), log, metrics, clientName: role });
      teardown.push('redis', () => closeRedis(redis));
      if (role === 'cache') {
        // Only a cache: the service starts, and serves without it, while it keeps reconnecting.
        redis.connect().catch((error: unknown) => log.warn({ err: error }, 'redis unavailable at start; carrying on without it (it keeps reconnecting)'));
      } else {
        await redisReadyAtStart(redis, log);
      }
      if (role === 'required') readiness.redis = () => redis.ping();
      ctx.redis = redis;
    }

    // 2. Kafka: the topics it publishes to, the admin client (readiness), the producer (outbox).
    if (usesKafka) {
      if (!config.KAFKA_BROKERS?.length) throw new Error(`Invalid configuration:\n  KAFKA_BROKERS: required by ${name} (it declares topics, an outbox or consumers)`);
      const kafka = createKafka(config.KAFKA_BROKERS, name, log);
      ctx.kafka = kafka;
      if (spec.topics?.length) await ensureTopics(kafka, spec.topics.map((key) => topics[key]));
      const kafkaAdmin = kafka.admin();
      teardown.push('kafka admin', () => kafkaAdmin.disconnect());
      await kafkaAdmin.connect();
      (spec.kafka?.role === 'degradable' ? degraded : readiness).kafka = () => kafkaAdmin.describeCluster();
    }
    let producer: Producer | null = null;
    if (spec.outbox) {
      // Supervised: reconnects with backoff for as long as the service runs (datastore_connected{store="kafka_producer"}).
      const kafka = ctx.kafka!;
      const supervised = await superviseProducer({
        create: () => newProducer(kafka),
        state: new ConnectionState({ store: 'kafka_producer', client: 'outbox', metrics, log }),
        log,
      });
      producer = supervised.producer;
      teardown.push('kafka producer', () => supervised.stop());
    }

    // 3. The outbox relay (built now so `wire` can hand it to services; started by start()).
    if (spec.outbox?.store === 'postgres') {
      const relayOptions = {
        dataSource: ctx.dataSource as DataSource,
        url: required(config, 'DATABASE_URL', name, 'postgres'),
        producer: producer!,
        namespace,
        log,
        metrics,
        backlogGauge: spec.outbox.backlogGauge ?? true,
        ...pollInterval(spec.outbox.pollIntervalMs, config),
      };
      if (!stores.postgres) throw new Error(`defineSubgraph(${name}): a postgres outbox needs the postgres store`);
      const pgRelay = new PostgresOutboxRelay(relayOptions);
      relay = pgRelay;
      degraded.outboxListener = () => pgRelay.checkListening();
    } else if (spec.outbox?.store === 'mongo') {
      if (!stores.mongo) throw new Error(`defineSubgraph(${name}): a mongo outbox needs the mongo store`);
      const backgroundDb = ctx.backgroundDb as Db;
      relay = new MongoOutboxRelay({
        collections: spec.outbox.collections.map((c) => backgroundDb.collection(c)),
        producer: producer!,
        namespace,
        log,
        locks: ctx.locks,
        metrics,
        ...pollInterval(spec.outbox.pollIntervalMs, config),
      });
    }
    if (relay) ctx.relay = relay;

    // 4. The service's own objects.
    const wired = ((await spec.wire?.(ctx as never)) ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(wired)) {
      if (RESERVED.has(key)) throw new Error(`defineSubgraph(${name}): wire() returned "${key}", a name the lifecycle provides`);
    }
    Object.assign(ctx, wired);

    // 5. Consumers, tasks and checks, from the wired context.
    const consumers = spec.consumers?.(ctx as never) ?? {};
    validateConsumers(name, consumers);
    const enabledNames = config.CONSUMERS ?? Object.keys(consumers);
    const unknown = enabledNames.filter((c) => !(c in consumers));
    if (unknown.length > 0) throw new Error(`Invalid configuration:\n  CONSUMERS: ${unknown.join(', ')} not among ${Object.keys(consumers).join(', ') || '(none)'}`);
    const groups = groupConsumers(consumers, new Set(enabledNames));
    const everyHandler = handlersByType(Object.values(consumers));

    const tasks = (spec.tasks?.(ctx as never) ?? []).map((task) =>
      isStartable(task) ? task : new PeriodicTask(task.name, task.intervalMs, task.run, log, { runAtStart: task.runAtStart }),
    );

    const running: RunningConsumer[] = [];
    if (Object.keys(consumers).length > 0) {
      // One check for all groups; a consumer not started (CONSUMERS) is not checked.
      readiness.consumer = async () => {
        for (const c of running) await c.check();
      };
      liveness.consumer = async () => {
        for (const c of running) await c.live();
      };
    }
    const extra = spec.checks?.(ctx as never) ?? {};

    // 6. The server (listens at start).
    const server = createSubgraphServer<RequestContext>({
      name,
      schema,
      config,
      log,
      metrics,
      readiness: { ...readiness, ...extra.readiness },
      health: { liveness: { ...liveness, ...extra.liveness }, degraded: { ...degraded, ...extra.degraded } },
      ...(spec.context ? { context: (base: RequestContext) => spec.context!(base, ctx as never) } : {}),
      ...(spec.routes ? { routes: (app: App) => spec.routes!(app, ctx as never) } : {}),
      ...(spec.multilineInputs ? { multilineInputs: spec.multilineInputs } : {}),
    });

    const doStart = async () => {
      if (relay) {
        const started = relay;
        teardown.push('outbox relay', () => started.stop());
        await started.start();
      }
      for (const task of tasks) {
        teardown.push('task', () => task.stop());
        await task.start();
      }
      for (const group of groups) {
        const groupId = namespace.group(group.suffix ? `${config.KAFKA_GROUP_ID}.${group.suffix}` : config.KAFKA_GROUP_ID!);
        const history = config.KAFKA_FROM_BEGINNING === false ? [] : group.historyTopics.map((key) => topics[key]);
        const consumer = await startConsumer({
          kafka: ctx.kafka!,
          groupId,
          topics: group.topics.map((key) => topics[key]),
          log,
          handle: dispatcher(group.handlers),
          // Types without a handler are skipped on their header: no parsing, no span.
          handles: (type) => group.handlers.has(type),
          fromBeginning: history,
          metrics,
          firstFetchTimeoutMs: config.KAFKA_START_TIMEOUT_MS,
          ...group.tuning,
        });
        teardown.push(`consumer ${groupId}`, () => consumer.stop());
        running.push(consumer);
        for (const hook of group.onStart) hook(consumer);
      }
      teardown.push('http server', () => server.stop());
      return server.start();
    };

    let starting: Promise<{ url: string; port: number }> | null = null;
    let stopping: Promise<void> | null = null;
    const shutdown = () =>
      (stopping ??= teardown.unwind().then((failures) => {
        log.debug({ failures: failures.length }, `${name} stopped`);
      }));

    const base: SubgraphBase<SubgraphConfig> = {
      name,
      config,
      log,
      metrics,
      namespace,
      topics,
      server,
      start() {
        if (stopping) return Promise.reject(new Error(`${name} is stopped; create a new service to start again`));
        starting ??= (async () => {
          try {
            return await doStart();
          } catch (error) {
            await shutdown();
            throw error;
          }
        })();
        return starting;
      },
      async stop() {
        if (starting) await starting.catch(() => undefined);
        await shutdown();
      },
      handle: dispatcher(everyHandler),
      consumerHealth: () => running.map((c) => c.health()),
    };
    const storesPart = pick(ctx, ['dataSource', 'mongo', 'db', 'backgroundDb', 'redis', 'relay']);
    return { ...storesPart, ...wired, ...base };
  } catch (error) {
    await teardown.unwind();
    throw error;
  }
}

/**
 * How long a store may take to answer at start. A single attempt is bounded by the store's own
 * deadlines (MONGO_SERVER_SELECTION_TIMEOUT_MS 1.5 s, REDIS_CONNECT_TIMEOUT_MS 1 s), which a
 * server that is just starting, or a loaded machine, can miss; start retries with capped backoff
 * until this passes, then fails with the last error.
 */
export const START_CONNECT_DEADLINE_MS = 30_000;

/** Runs `connect` until it succeeds, with capped backoff (250 ms doubling to 2 s), for at most START_CONNECT_DEADLINE_MS. */
async function connectAtStart(store: string, connect: () => Promise<unknown>, log: Logger): Promise<void> {
  const deadline = Date.now() + START_CONNECT_DEADLINE_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      await connect();
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      log.warn({ err: error, attempt: attempt + 1 }, `${store} not answering at start; retrying`);
      await new Promise((r) => setTimeout(r, Math.min(2000, 250 * 2 ** attempt)));
    }
  }
}

/** Connects and waits until the client is ready; ioredis keeps retrying (capped backoff) meanwhile, for at most START_CONNECT_DEADLINE_MS. */
async function redisReadyAtStart(redis: Redis, log: Logger): Promise<void> {
  let lastError: unknown = null;
  const onError = (error: unknown) => (lastError = error);
  redis.on('error', onError);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        reject(lastError ?? new Error(`redis not ready within ${START_CONNECT_DEADLINE_MS} ms`));
      }, START_CONNECT_DEADLINE_MS);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      redis.once('ready', onReady);
      redis.connect().catch((error: unknown) => {
        lastError = error;
        log.warn({ err: error }, 'redis not answering at start; retrying');
      });
    });
  } finally {
    redis.off('error', onError);
  }
}

/** Quits (or, when not connected, stops reconnecting) and resolves once the connection is closed. */
async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  const ended = new Promise<void>((resolve) => {
    redis.once('end', () => resolve());
    setTimeout(resolve, 2000).unref();
  });
  if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
  await ended;
}

function pollInterval(setting: number | string | undefined, config: SubgraphConfig): { pollIntervalMs?: number } {
  if (setting === undefined) return {};
  const value = typeof setting === 'number' ? setting : (config as unknown as Record<string, unknown>)[setting];
  if (typeof value !== 'number') throw new Error(`defineSubgraph: outbox pollIntervalMs setting ${String(setting)} is not a number in the config`);
  return { pollIntervalMs: value };
}

function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
}

type Handler = (event: EventEnvelope) => Promise<unknown>;

function handlersByType(specs: ConsumerSpec[]): Map<string, Handler[]> {
  const map = new Map<string, Handler[]>();
  for (const spec of specs) {
    for (const [type, handler] of Object.entries(spec.handlers)) {
      if (handler) map.set(type, [...(map.get(type) ?? []), handler as Handler]);
    }
  }
  return map;
}

function dispatcher(handlers: Map<string, Handler[]>): (event: EventEnvelope) => Promise<void> {
  return async (event) => {
    for (const handler of handlers.get(event.type) ?? []) await handler(event);
  };
}

interface ConsumerGroup {
  suffix: string;
  topics: TopicKey[];
  historyTopics: TopicKey[];
  handlers: Map<string, Handler[]>;
  onStart: Array<(running: RunningConsumer) => void>;
  tuning: ConsumerSpec['tuning'];
}

/** The enabled consumers, one Kafka consumer per group. */
function groupConsumers(consumers: Record<string, ConsumerSpec>, enabled: Set<string>): ConsumerGroup[] {
  const groups = new Map<string, ConsumerSpec[]>();
  for (const [name, spec] of Object.entries(consumers)) {
    if (!enabled.has(name)) continue;
    const key = spec.group ?? '';
    groups.set(key, [...(groups.get(key) ?? []), spec]);
  }
  return [...groups].map(([suffix, specs]) => ({
    suffix,
    topics: [...new Set(specs.flatMap((s) => s.topics))],
    historyTopics: [...new Set(specs.filter((s) => s.fromBeginning).flatMap((s) => s.topics))],
    handlers: handlersByType(specs),
    onStart: specs.flatMap((s) => (s.onStart ? [s.onStart] : [])),
    tuning: Object.assign({}, ...specs.map((s) => s.tuning ?? {})),
  }));
}
