import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { createDataSource, createLogger, createMetricsRegistry, createRedis, createSubgraphServer, namespaceOf, openDatabase, postgresDeadlines, redisDeadlines } from '@shopgraph/kit';
import type { UsersConfig } from './config';
import { createLoaders, type UsersContext, type UsersServices } from './context';
import { entities } from './entities';
import { migrations } from './migrations';
import { buildUsersSchema } from './schema';
import { AccessTokenService } from './services/access-token.service';
import { AddressService } from './services/address.service';
import { AuthService } from './services/auth.service';
import { RefreshTokenService } from './services/refresh-token.service';
import { UserService } from './services/user.service';
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
  /** Stops the HTTP server, then closes PostgreSQL and Redis. */
  stop(): Promise<void>;
  dataSource: DataSource;
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
  try {
    await redis.connect();
    const userStore = new UserStore(dataSource);
    const addressStore = new AddressStore(dataSource);
    const accessTokens = new AccessTokenService(new SigningKeyStore(dataSource), config.ACCESS_TOKEN_TTL_SECONDS);
    await accessTokens.init();
    const revocations = new RevocationStore(redis, config.ACCESS_TOKEN_TTL_SECONDS, ns.key(REVOCATION_KEY_PREFIX), log);
    const services: UsersServices = {
      auth: new AuthService(
        userStore,
        accessTokens,
        // A reused refresh token revokes its family and, at the gateway, the family's access tokens
        // (best effort: the family is already revoked in PostgreSQL; they expire within the TTL).
        new RefreshTokenService(new PostgresRefreshTokenStore(dataSource), config.REFRESH_TOKEN_TTL_SECONDS, undefined, (familyId) =>
          revocations.revokeSession(familyId).catch((error) => log.warn({ err: error }, 'stolen session: access tokens not revoked')),
        ),
        new LoginAttemptStore(
          redis,
          {
            accountFreeFailures: config.LOGIN_RATE_LIMIT,
            backoffBaseSeconds: config.LOGIN_BACKOFF_BASE_SECONDS,
            backoffMaxSeconds: config.LOGIN_BACKOFF_MAX_SECONDS,
            clientMaxFailures: config.LOGIN_CLIENT_MAX_FAILURES,
            windowSeconds: config.LOGIN_RATE_LIMIT_WINDOW_SECONDS,
            registerPerClient: config.REGISTER_RATE_LIMIT,
            registerWindowSeconds: config.REGISTER_RATE_LIMIT_WINDOW_SECONDS,
          },
          log,
          ns.key('users:login-attempts:'),
        ),
        revocations,
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
      readiness: { postgres: () => dataSource.query('SELECT 1') },
      context: (base) => ({ ...base, services, loaders: createLoaders(userStore, addressStore) }),
      routes: (app) => {
        app.get('/.well-known/jwks.json', async (_req, res) => {
          res.set('cache-control', 'public, max-age=300').json(await accessTokens.jwks());
        });
      },
    });

    return {
      dataSource,
      start: () => server.start(),
      async stop() {
        await server.stop();
        await Promise.allSettled([dataSource.destroy(), redis.quit()]);
      },
    };
  } catch (error) {
    redis.disconnect();
    await dataSource.destroy();
    throw error;
  }
}
