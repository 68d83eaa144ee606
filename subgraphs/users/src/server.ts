import 'reflect-metadata';
import { defineSubgraph, type ServiceOf } from '@shopgraph/service';
import { usersConfigSchema, type UsersConfig } from './config';
import { createLoaders, type UsersServices } from './context';
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

/**
 * The users subgraph: accounts, sessions and addresses in PostgreSQL, the JWT signing key (loaded
 * or created at open) and its JWKS route, login attempts and revocations in Redis, and users.v1
 * (account events) out through the outbox.
 */
export const usersSubgraph = defineSubgraph({
  name: 'users',
  config: usersConfigSchema,
  schema: buildUsersSchema,
  // Redis only counts login attempts and holds revocations: without it login is refused
  // (SERVICE_UNAVAILABLE) but everything else works, so it is not a readiness check (it would
  // take all of users down).
  stores: { postgres: { entities, migrations }, redis: { role: 'degradable' } },
  // Kafka neither: account events wait in the outbox until the broker is back (degraded).
  kafka: { role: 'degradable' },
  topics: ['users'],
  outbox: { store: 'postgres' },
  wire: async ({ dataSource, redis, namespace, config, log }) => {
    const userStore = new UserStore(dataSource);
    const addressStore = new AddressStore(dataSource);
    const accessTokens = new AccessTokenService(new SigningKeyStore(dataSource), config.ACCESS_TOKEN_TTL_SECONDS);
    await accessTokens.init();
    const revocations = new RevocationStore(redis, config.ACCESS_TOKEN_TTL_SECONDS, namespace.key(REVOCATION_KEY_PREFIX), log);
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
      namespace.key('users:login-attempts:'),
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
    return { services, userStore, addressStore, accessTokens };
  },
  // On stop, after the server: reset requests answered but still being written finish (their events go out with the relay, stopped next).
  tasks: ({ services }) => [{ start: () => undefined, stop: () => services.accounts.drain() }],
  context: (base, { services, userStore, addressStore }) => ({ ...base, services, loaders: createLoaders(userStore, addressStore) }),
  routes: (app, { accessTokens }) => {
    app.get('/.well-known/jwks.json', async (_req, res) => {
      res.set('cache-control', 'public, max-age=300').json(await accessTokens.jwks());
    });
  },
});

/** A ready-to-start users subgraph (`dataSource`, `relay` (users.v1 from the outbox), `services`, `start()`, `stop()`, …). */
export type UsersService = ServiceOf<typeof usersSubgraph>;

/** Opens the users subgraph (database migrated, Redis and Kafka connected, signing key loaded); `start()` starts the relay and the server. */
export function createUsersService(config: UsersConfig): Promise<UsersService> {
  return usersSubgraph.create(config);
}
