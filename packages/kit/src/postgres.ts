import { Client, type ClientConfig } from 'pg';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import type { Registry } from 'prom-client';
import type { DatastoreConfig } from './config';
import type { Logger } from './logger';
import { CountingTypeOrmLogger, storeQueryCounter } from './store-metrics';

export interface PostgresOptions {
  /** postgres://user:pass@host:port/database */
  url: string;
  entities: MixedList<string | Function | EntitySchema>;
  migrations: MixedList<string | Function>;
  poolSize?: number;
  /** When given, every query is counted in its `store_queries_total{store="postgres"}`. */
  metrics?: Registry;
  /** Deadlines of the pool (defaults: the config defaults); see `postgresDeadlines(config)`. */
  deadlines?: Partial<PostgresDeadlines>;
}

/** How long the pool waits for PostgreSQL. */
export interface PostgresDeadlines {
  /** Opening a connection, and waiting for a pooled one when all are busy ("timeout exceeded when trying to connect"). */
  connectTimeoutMs: number;
  /** Server-side statement_timeout; the client gives up 500 ms later (a hung server) and drops that connection. */
  statementTimeoutMs: number;
  /** Idle pooled connections are closed after this long. */
  idleTimeoutMs: number;
}

const DEFAULT_DEADLINES: PostgresDeadlines = { connectTimeoutMs: 1000, statementTimeoutMs: 2000, idleTimeoutMs: 30_000 };

/** The PostgreSQL deadlines of a service's config. */
export function postgresDeadlines(config: Pick<DatastoreConfig, 'PG_CONNECT_TIMEOUT_MS' | 'PG_STATEMENT_TIMEOUT_MS' | 'PG_IDLE_TIMEOUT_MS'>): PostgresDeadlines {
  return { connectTimeoutMs: config.PG_CONNECT_TIMEOUT_MS, statementTimeoutMs: config.PG_STATEMENT_TIMEOUT_MS, idleTimeoutMs: config.PG_IDLE_TIMEOUT_MS };
}

/**
 * A pg client that closes its connection when a query passes the client-side deadline
 * (`query_timeout`, "Query read timeout"). pg only stops waiting: the connection would still owe
 * the old reply and hold every later query behind it, so a pooled connection that timed out on a
 * hung server would make the next requests wait too. Destroyed, the pool replaces it.
 */
export class DeadlineClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    // The pool (idle) or TypeORM (checked out) listen too; this one only keeps a stray error from crashing the process.
    this.on('error', () => undefined);
  }

  private dropIfTimedOut(error: unknown): void {
    if ((error as Error | undefined)?.message === 'Query read timeout') {
      (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) => {
        if (error) this.dropIfTimedOut(error);
        last(error, result);
      };
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = (super.query as (...a: any[]) => any)(...args);
    if (result && typeof result.then === 'function') {
      return result.catch((error: unknown) => {
        this.dropIfTimedOut(error);
        throw error;
      });
    }
    return result;
  }
}

/** pg pool settings (TypeORM `extra`) for the given deadlines. */
export function poolDeadlineOptions(deadlines: Partial<PostgresDeadlines> = {}): Record<string, unknown> {
  const d = { ...DEFAULT_DEADLINES, ...deadlines };
  return {
    Client: DeadlineClient,
    connectionTimeoutMillis: d.connectTimeoutMs,
    idleTimeoutMillis: d.idleTimeoutMs,
    statement_timeout: d.statementTimeoutMs,
    query_timeout: d.statementTimeoutMs + 500,
    // A transaction left open by a stuck client must not hold its locks for long.
    idle_in_transaction_session_timeout: Math.max(10_000, d.statementTimeoutMs * 4),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/**
 * A TypeORM DataSource for one service database. Schema changes go through migrations only.
 * Every query has a deadline (see PostgresDeadlines); a query past it, or a pool that cannot get
 * a connection in time, fails with an error maskErrors answers as SERVICE_UNAVAILABLE.
 */
export function createDataSource(options: PostgresOptions): DataSource {
  const config: DataSourceOptions = {
    type: 'postgres',
    url: options.url,
    entities: options.entities,
    migrations: options.migrations,
    migrationsRun: false,
    synchronize: false,
    logging: options.metrics ? ['query'] : false,
    ...(options.metrics ? { logger: new CountingTypeOrmLogger(storeQueryCounter(options.metrics)) } : {}),
    extra: { max: options.poolSize ?? 10, ...poolDeadlineOptions(options.deadlines) },
  };
  return new DataSource(config);
}

/** Creates the database named in `url` if it does not exist yet (connects to `postgres` to do so). */
export async function ensureDatabase(url: string, log?: Logger): Promise<void> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[a-z_][a-z0-9_]*$/i.test(database)) throw new Error(`Refusing odd database name ${JSON.stringify(database)}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 10_000, query_timeout: 30_000 });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${database}"`);
        log?.info({ database }, 'created database');
      } catch (error) {
        // Two processes racing to create it: the loser sees 42P04 (duplicate_database).
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

/**
 * Opens the data source after making sure its database exists, and applies pending migrations.
 * Migrations run on a short-lived data source of their own without the request-path deadlines
 * (a migration, or waiting for another replica's, may take longer than a query should).
 */
export async function openDatabase(dataSource: DataSource, url: string, log?: Logger): Promise<DataSource> {
  await ensureDatabase(url, log);
  const { logger: _counting, ...options } = dataSource.options as DataSourceOptions & { logger?: unknown };
  const migrator = new DataSource({ ...options, logging: false, extra: { max: 2, connectionTimeoutMillis: 10_000 } } as DataSourceOptions);
  await migrator.initialize();
  try {
    // Replicas starting together must not run the same migration twice: hold a session-level
    // advisory lock (on a connection of its own) while migrating.
    const lock = migrator.createQueryRunner();
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock(hashtext(current_database()))');
      const applied = await migrator.runMigrations({ transaction: 'each' });
      if (applied.length > 0) log?.info({ migrations: applied.map((m) => m.name) }, 'applied migrations');
    } finally {
      await lock.query('SELECT pg_advisory_unlock(hashtext(current_database()))').catch(() => undefined);
      await lock.release();
    }
  } finally {
    await migrator.destroy();
  }
  // Opening the pool makes one connection under the request path's connect deadline
  // (PG_CONNECT_TIMEOUT_MS, 1 s), which a loaded machine can miss: retried with capped backoff
  // for up to 30 s before the start fails.
  const deadline = Date.now() + 30_000;
  for (let attempt = 0; ; attempt++) {
    try {
      await dataSource.initialize();
      return dataSource;
    } catch (error) {
      if (dataSource.isInitialized || Date.now() >= deadline) throw error;
      log?.warn({ err: error, attempt: attempt + 1 }, 'postgres not answering at start; retrying');
      await new Promise((r) => setTimeout(r, Math.min(2000, 250 * 2 ** attempt)));
    }
  }
}
