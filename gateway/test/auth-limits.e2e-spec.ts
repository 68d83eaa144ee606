import { createTestDatabase, eventually, gql, namespaceEnv, stackEnv, uniqueId } from '@shopgraph/testkit';
import { createUsersService, loadUsersConfig } from '@shopgraph/users';
import { seedUsers } from '@shopgraph/users/dist/seed';
import { createGateway, type Gateway } from '../src/gateway';
import { loadGatewayConfig } from '../src/config';

// Issue 8, items 2 (login limits) and 8 (revocation): the real users subgraph on PostgreSQL and
// Redis behind the real gateway, driven over HTTP. Each test speaks from its own client address
// (X-Forwarded-For behind one trusted proxy) so per-client budgets do not mix.

const AUTH = 'accessToken refreshToken user { id role } errors { code }';
const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { ${AUTH} } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { ${AUTH} } }`;
const REFRESH = `mutation($t: String!) { refreshToken(refreshToken: $t) { ${AUTH} } }`;
const LOGOUT = 'mutation($t: String!) { logout(refreshToken: $t) }';
const SET_ROLE = 'mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { user { role } errors { code } } }';
const ME = '{ me { id role } }';
const PASSWORD = 'correct horse 42';

const REGISTER_LIMIT = 3;
const CLIENT_FAILURES = 4;
const ACCOUNT_FREE_FAILURES = 2;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let users: Awaited<ReturnType<typeof createUsersService>>;
let gateway: Gateway;
let url: string;

let nextIp = 1;
const newClient = () => `198.51.100.${nextIp++}`;
const call = (ip: string, query: string, variables: Record<string, unknown> = {}, token?: string) =>
  gql(url, query, variables, { 'x-forwarded-for': ip, ...(token ? { authorization: `Bearer ${token}` } : {}) });

async function registered(ip = newClient()) {
  const email = `${uniqueId('rv')}@example.com`;
  const res = await call(ip, REGISTER, { input: { email, password: PASSWORD, name: 'Rita' } });
  expect(res.body.data?.register.errors).toEqual([]);
  return { email, ...res.body.data!.register };
}

beforeAll(async () => {
  db = await createTestDatabase('gw_authlim');
  const ns = namespaceEnv();
  users = await createUsersService(
    loadUsersConfig({
      NODE_ENV: 'test',
      ...ns,
      LOG_LEVEL: 'silent',
      PORT: '0',
      DATABASE_URL: db.url,
      REDIS_URL: stackEnv.redisUrl,
      LOGIN_RATE_LIMIT: String(ACCOUNT_FREE_FAILURES),
      LOGIN_BACKOFF_BASE_SECONDS: '1',
      LOGIN_BACKOFF_MAX_SECONDS: '4',
      LOGIN_CLIENT_MAX_FAILURES: String(CLIENT_FAILURES),
      REGISTER_RATE_LIMIT: String(REGISTER_LIMIT),
    }),
  );
  const started = await users.start();
  await seedUsers(users.dataSource);
  gateway = createGateway(
    loadGatewayConfig({
      NODE_ENV: 'test',
      ...ns,
      LOG_LEVEL: 'silent',
      PORT: '0',
      REDIS_URL: stackEnv.redisUrl,
      TRUSTED_PROXY_COUNT: '1',
      JWKS_URL: `http://127.0.0.1:${started.port}/.well-known/jwks.json`,
      USERS_SUBGRAPH_URL: started.url,
    }),
  );
  url = (await gateway.start()).url;
});

afterAll(async () => {
  await gateway?.stop();
  await users?.stop();
  await db?.drop();
});

describe('revocation of access tokens', () => {
  it('an access token is refused (UNAUTHENTICATED) within seconds of logout; other sessions keep working', async () => {
    const ip = newClient();
    const account = await registered(ip);
    const other = (await call(ip, LOGIN, { input: { email: account.email, password: PASSWORD } })).body.data!.login;
    expect((await call(ip, ME, {}, account.accessToken)).body.data!.me).toMatchObject({ id: account.user.id });

    expect((await call(ip, LOGOUT, { t: account.refreshToken })).body.data!.logout).toBe(true);
    const started = Date.now();
    const refused = await eventually(async () => {
      const res = await call(ip, ME, {}, account.accessToken);
      return res.body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' ? res : undefined;
    }, 3000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(refused.body.errors![0].message).toMatch(/revoked/);
    // The session signed in elsewhere is not touched.
    expect((await call(ip, ME, {}, other.accessToken)).body.data!.me).toMatchObject({ id: account.user.id });
  });

  it('a role change revokes the tokens issued before it; the next refresh carries the new role', async () => {
    const ip = newClient();
    const account = await registered(ip);
    const admin = (await call(ip, LOGIN, { input: { email: 'admin@shopgraph.local', password: 'Admin123!shop' } })).body.data!.login;
    expect((await call(ip, ME, {}, account.accessToken)).body.data!.me.role).toBe('CUSTOMER');

    const changed = await call(ip, SET_ROLE, { id: account.user.id, role: 'ADMIN' }, admin.accessToken);
    expect(changed.body.data!.setUserRole).toEqual({ user: { role: 'ADMIN' }, errors: [] });
    await eventually(async () => {
      const res = await call(ip, ME, {}, account.accessToken);
      return res.body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' ? res : undefined;
    }, 3000);

    // Refreshed (same second as the change or later): accepted, with the new role.
    const refreshed = (await call(ip, REFRESH, { t: account.refreshToken })).body.data!.refreshToken;
    expect(refreshed.user.role).toBe('ADMIN');
    expect((await call(ip, ME, {}, refreshed.accessToken)).body.data!.me).toEqual({ id: account.user.id, role: 'ADMIN' });
    // The admin's own token is unaffected.
    expect((await call(ip, ME, {}, admin.accessToken)).body.data!.me.role).toBe('ADMIN');
  });
});

describe('stolen refresh tokens', () => {
  it("reusing a rotated refresh token revokes the session's current access token too", async () => {
    const ip = newClient();
    const account = await registered(ip);
    const rotated = (await call(ip, REFRESH, { t: account.refreshToken })).body.data!.refreshToken;
    expect((await call(ip, ME, {}, rotated.accessToken)).body.data!.me).toMatchObject({ id: account.user.id });
    // The old refresh token comes back (a thief, or the victim after the thief): the family dies.
    const reuse = (await call(ip, REFRESH, { t: account.refreshToken })).body.data!.refreshToken;
    expect(reuse.errors).toEqual([{ code: 'INVALID_TOKEN' }]);
    await eventually(async () => {
      const res = await call(ip, ME, {}, rotated.accessToken);
      return res.body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' ? res : undefined;
    }, 3000);
  });
});

describe('login and registration limits', () => {
  it(`registration: ${REGISTER_LIMIT} per client pass, the next is RATE_LIMITED with retryAfter; another client still registers`, async () => {
    const ip = newClient();
    for (let i = 0; i < REGISTER_LIMIT; i += 1) await registered(ip);
    const refused = await call(ip, REGISTER, { input: { email: `${uniqueId('rv')}@example.com`, password: PASSWORD, name: 'Rita' } });
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    await registered(newClient());
  });

  it('an account backs off after its free failures instead of locking: RATE_LIMITED with retryAfter, then the right password works', async () => {
    const account = await registered();
    const attacker = newClient();
    for (let i = 0; i < ACCOUNT_FREE_FAILURES; i += 1) {
      const res = await call(attacker, LOGIN, { input: { email: account.email, password: 'Wrong-pass1' } });
      expect(res.body.data!.login.errors).toEqual([{ code: 'INVALID_CREDENTIALS' }]);
    }
    // Backoff now (1 s): even the owner, from another client, waits — but only seconds.
    const owner = newClient();
    const limited = await call(owner, LOGIN, { input: { email: account.email, password: PASSWORD } });
    expect(limited.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 1 });
    const ok = await eventually(
      async () => {
        const res = await call(owner, LOGIN, { input: { email: account.email, password: PASSWORD } });
        return res.body.data?.login?.accessToken ? res : undefined;
      },
      3000,
      250,
    );
    expect(ok.body.data!.login.errors).toEqual([]);
  });

  it(`a client may fail ${CLIENT_FAILURES} logins per window over any accounts; the next attempt is RATE_LIMITED, other clients are not`, async () => {
    const sprayer = newClient();
    for (let i = 0; i < CLIENT_FAILURES; i += 1) {
      const res = await call(sprayer, LOGIN, { input: { email: `${uniqueId('nobody')}@example.com`, password: 'Wrong-pass1' } });
      expect(res.body.data!.login.errors).toEqual([{ code: 'INVALID_CREDENTIALS' }]);
    }
    const account = await registered();
    const refused = await call(sprayer, LOGIN, { input: { email: account.email, password: PASSWORD } });
    expect(refused.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/from this client/),
      extensions: { code: 'RATE_LIMITED' },
    });
    const fine = await call(newClient(), LOGIN, { input: { email: account.email, password: PASSWORD } });
    expect(fine.body.data!.login.errors).toEqual([]);
  });
});
