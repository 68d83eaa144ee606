import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import type { Admin, Producer } from 'kafkajs';
import { createDataSource, createLogger, createMetricsRegistry, createRedis, createSubgraphServer, namespaceOf, openDatabase, postgresDeadlines, redisDeadlines } from '@shopgraph/kit';
import { createKafka, createProducer, ensureTopics, PostgresOutboxRelay, topicsIn } from '@shopgraph/events';
import type { UsersConfig } from './config';
import { createLoaders, type UsersContext, type UsersServices } from './context';
import { entities } from './entities';
import { migrations } from './migrations';
import { buildUsersSchema } from './schema';
import { AccessTokenService } from './services/access-token.service';
import { AccountService } from './services/account.service';
import { AddressService } from './services/address.service';
import { AuthService } from './services/auth.service';
import { RefreshTokenService } from './services/refresh-token.service';
import { UserService } from './services/user.service';
import { AccountTokenStore } from './stores/account-token.store';
import { AddressStore } from './stores/address.store';
import { LoginAttemptStore } from './stores/login-attempt.store';
import { PostgresRefreshTokenStore } from './stores/refresh-token.store';
import { REVOCATION_KEY_PREFIX, RevocationStore } from './stores/revocation.store';
import { SigningKeyStore } from './stores/signing-key.store';
import { UserStore } from './stores/user.store';

export { loadUsersConfig, usersConfigSchema, type UsersConfig } from './config';
export { seedUsers, type SeedResult } from './seed';

/** A ready-to-start users subgraph. */
export interface UsersService {
  /** Starts listening (PORT 0 picks a free port). */
  start(): Promise<{ url: string; port: number }>;
  /** Stops the HTTP server and the outbox relay, then closes Kafka, PostgreSQL and Redis. */
  stop(): Promise<void>;
  dataSource: DataSource;
  /** Publishes users.v1 from the outbox (started by start()). */
  relay: PostgresOutboxRelay;
  services: UsersServices;
}

/**
 * Wires the users subgraph: opens its database (applying migrations), connects Redis, loads or
 * creates the JWT signing key, and builds the server with GraphQL, JWKS, health and metrics.
 */
export async function createUsersService(config: UsersConfig): Promise<UsersService> {
  const log = createLogger('users', config.LOG_LEVEL);
  // Login-attempt keys are named in the run's namespace (SG_NAMESPACE; empty = live); DATABASE_URL must carry it.
  const ns = namespaceOf(config, { postgres: [config.DATABASE_URL] });
  const metrics = createMetricsRegistry('users');
  const dataSource = createDataSource({ url: config.DATABASE_URL, entities, migrations, metrics, deadlines: postgresDeadlines(config) });
  await openDatabase(dataSource, config.DATABASE_URL, log);
  const redis = createRedis(config.REDIS_URL, { ...redisDeadlines(config), log });
  // users.v1 (account events) leaves through the outbox: created at open, producer, relay (as defineSubgraph's `topics: ['users'], outbox: { store: 'postgres' }`).
  const kafka = createKafka(config.KAFKA_BROKERS, 'users', log);
  let producer: Producer | null = null;
  let admin: Admin | null = null;
  try {
    await redis.connect();
    await ensureTopics(kafka, [topicsIn(ns).users]);
    producer = await createProducer(kafka);
    admin = kafka.admin();
    await admin.connect();
    const kafkaAdmin = admin;
    const relay = new PostgresOutboxRelay({ dataSource, url: config.DATABASE_URL, producer, namespace: ns, log, metrics });
    const userStore = new UserStore(dataSource);
    const addressStore = new AddressStore(dataSource);
    const accessTokens = new AccessTokenService(new SigningKeyStore(dataSource), config.ACCESS_TOKEN_TTL_SECONDS);
    await accessTokens.init();
    const revocations = new RevocationStore(redis, config.ACCESS_TOKEN_TTL_SECONDS, ns.key(REVOCATION_KEY_PREFIX), log);
    const loginAttempts = new LoginAttemptStore(
      redis,
      {
        accountFreeFailures: config.LOGIN_RATE_LIMIT,
        backoffBaseSeconds: config.LOGIN_BACKOFF_BASE_SECONDS,
        backoffMaxSeconds: config.LOGIN_BACKOFF_MAX_SECONDS,
        clientMaxFailures: config.LOGIN_CLIENT_MAX_FAILURES,
        windowSeconds: config.LOGIN_RATE_LIMIT_WINDOW_SECONDS,
        registerPerClient: config.REGISTER_RATE_LIMIT,
        registerWindowSeconds: config.REGISTER_RATE_LIMIT_WINDOW_SECONDS,
        resetPerEmail: config.PASSWORD_RESET_RATE_LIMIT_PER_EMAIL,
        resetPerClient: config.PASSWORD_RESET_RATE_LIMIT_PER_CLIENT,
        resetWindowSeconds: config.PASSWORD_RESET_RATE_LIMIT_WINDOW_SECONDS,
      },
      log,
      ns.key('users:login-attempts:'),
    );
    const accounts = new AccountService(
      dataSource,
      userStore,
      new AccountTokenStore(),
      loginAttempts,
      revocations,
      { passwordResetSeconds: config.PASSWORD_RESET_TTL_SECONDS, emailVerificationSeconds: config.EMAIL_VERIFICATION_TTL_SECONDS },
      log,
    );
    const services: UsersServices = {
      accounts,
      auth: new AuthService(
        userStore,
        accessTokens,
        // A reused refresh token revokes its family and, at the gateway, the family's access tokens
        // (best effort: the family is already revoked in PostgreSQL; they expire within the TTL).
        new RefreshTokenService(new PostgresRefreshTokenStore(dataSource), config.REFRESH_TOKEN_TTL_SECONDS, undefined, (familyId) =>
          revocations.revokeSession(familyId).catch((error) => log.warn({ err: error }, 'stolen session: access tokens not revoked')),
        ),
        loginAttempts,
        revocations,
        accounts,
      ),
      users: new UserService(userStore, revocations),
      addresses: new AddressService(addressStore),
    };

    const server = createSubgraphServer<UsersContext>({
      name: 'users',
      schema: await buildUsersSchema(),
      config,
      log,
      metrics,
      // Redis only counts login attempts: without it login is refused (SERVICE_UNAVAILABLE) but
      // everything else works, so it is not a readiness check (it would take all of users down).
      // Kafka neither: account events wait in the outbox until the broker is back (degraded).
      readiness: { postgres: () => dataSource.query('SELECT 1') },
      health: { degraded: { outboxListener: () => relay.checkListening(), kafka: () => kafkaAdmin.describeCluster() } },
      context: (base) => ({ ...base, services, loaders: createLoaders(userStore, addressStore) }),
      routes: (app) => {
        app.get('/.well-known/jwks.json', async (_req, res) => {
          res.set('cache-control', 'public, max-age=300').json(await accessTokens.jwks());
        });
      },
    });

    const kafkaProducer = producer;
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      // Reset requests answered but still being written (their events go out with the relay below).
      await accounts.drain();
      await relay.stop();
      await Promise.allSettled([kafkaProducer.disconnect(), kafkaAdmin.disconnect()]);
      await Promise.allSettled([dataSource.destroy(), redis.quit()]);
    };
    return {
      dataSource,
      relay,
      services,
      async start() {
        try {
          await relay.start();
          return await server.start();
        } catch (error) {
          await stop().catch(() => undefined);
          throw error;
        }
      },
      stop,
    };
  } catch (error) {
    redis.disconnect();
    await Promise.allSettled([producer?.disconnect(), admin?.disconnect()]);
    await dataSource.destroy();
    throw error;
  }
}
