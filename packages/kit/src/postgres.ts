import { Client } from 'pg';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import type { Registry } from 'prom-client';
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
}

/** A TypeORM DataSource for one service database. Schema changes go through migrations only. */
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
    extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 },
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
  const client = new Client({ connectionString: admin.toString() });
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

/** Opens the data source after making sure its database exists, and applies pending migrations. */
export async function openDatabase(dataSource: DataSource, url: string, log?: Logger): Promise<DataSource> {
  await ensureDatabase(url, log);
  await dataSource.initialize();
  // Replicas starting together must not run the same migration twice: hold a session-level
  // advisory lock (on a connection of its own) while migrating.
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext(current_database()))');
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) log?.info({ migrations: applied.map((m) => m.name) }, 'applied migrations');
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext(current_database()))').catch(() => undefined);
    await lock.release();
  }
  return dataSource;
}
