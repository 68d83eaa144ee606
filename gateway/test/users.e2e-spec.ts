import { CONTENDED_GATEWAY_ENV, createTestDatabase, gql, namespaceEnv, stackEnv, TEST_INTERNAL_PUBLIC_KEYS, TEST_PRODUCTION_INTERNAL_PRIVATE_KEY, uniqueId } from '@shopgraph/testkit';
import { createUsersService, loadUsersConfig } from '@shopgraph/users';
import { seedUsers } from '@shopgraph/users/dist/seed';
import { createGateway, type Gateway } from '../src/gateway';
import { loadGatewayConfig } from '../src/config';

// End to end: the real users subgraph on real PostgreSQL and Redis, behind the real gateway,
// driven only over HTTP as a client would.

const AUTH_FIELDS = 'accessToken refreshToken expiresAt user { id email name role } errors { code message field }';
const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { ${AUTH_FIELDS} } }`;
const REFRESH = `mutation($t: String!) { refreshToken(refreshToken: $t) { ${AUTH_FIELDS} } }`;
const LOGOUT = 'mutation($t: String!) { logout(refreshToken: $t) }';
const ME = '{ me { id email name role } }';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let users: Awaited<ReturnType<typeof createUsersService>>;
let gateway: Gateway;
let gatewayUrl: string;
let usersUrl: string;

const call = (query: string, variables: Record<string, unknown> = {}, token?: string) =>
  gql(gatewayUrl, query, variables, token ? { authorization: `Bearer ${token}` } : {});

function expectNoLeak(text: string) {
  expect(text).not.toMatch(/stacktrace|\n\s+at |node_modules|QueryFailedError|duplicate key|TypeORM/i);
}

beforeAll(async () => {
  db = await createTestDatabase('gw_users');
  users = await createUsersService(
    loadUsersConfig({
      NODE_ENV: 'test',
      ...namespaceEnv(),
      LOG_LEVEL: 'silent',
      PORT: '0',
      DATABASE_URL: db.url,
      REDIS_URL: stackEnv.redisUrl,
      INTERNAL_TOKEN_PUBLIC_KEYS: TEST_INTERNAL_PUBLIC_KEYS,
    }),
  );
  const started = await users.start();
  usersUrl = started.url;
  await seedUsers(users.dataSource);
  gateway = createGateway(
    loadGatewayConfig({
      NODE_ENV: 'development',
      ...namespaceEnv(),
      ...CONTENDED_GATEWAY_ENV,
      LOG_LEVEL: 'silent',
      PORT: '0',
      JWKS_URL: `http://127.0.0.1:${started.port}/.well-known/jwks.json`,
      USERS_SUBGRAPH_URL: usersUrl,
    }),
  );
  gatewayUrl = (await gateway.start()).url;
});

afterAll(async () => {
  await gateway?.stop();
  await users?.stop();
  await db?.drop();
});

describe('users through the gateway', () => {
  it('register → login → me → refresh → reuse of a rotated token revokes the family → logout', async () => {
    const email = `${uniqueId('shopper')}@example.com`;
    const password = 'correct horse 42';

    const registered = await call(REGISTER, { input: { email: `  ${email.toUpperCase()} `, password, name: 'Sam Shopper' } });
    expect(registered.body.errors).toBeUndefined();
    expect(registered.body.data!.register).toMatchObject({ errors: [], user: { email, name: 'Sam Shopper', role: 'CUSTOMER' } });

    const login = await call(LOGIN, { input: { email, password } });
    const session = login.body.data!.login;
    expect(session.errors).toEqual([]);
    expect(session.accessToken).toEqual(expect.any(String));
    expect(new Date(session.expiresAt).getTime()).toBeGreaterThan(Date.now());

    const me = await call(ME, {}, session.accessToken);
    expect(me.body.data!.me).toEqual({ id: session.user.id, email, name: 'Sam Shopper', role: 'CUSTOMER' });

    const refreshed = (await call(REFRESH, { t: session.refreshToken })).body.data!.refreshToken;
    expect(refreshed.errors).toEqual([]);
    expect(refreshed.refreshToken).not.toEqual(session.refreshToken);
    expect((await call(ME, {}, refreshed.accessToken)).body.data!.me.id).toBe(session.user.id);

    // The old token was rotated: presenting it again is reuse, which revokes the whole family.
    const reused = (await call(REFRESH, { t: session.refreshToken })).body.data!.refreshToken;
    expect(reused.accessToken).toBeNull();
    expect(reused.errors).toEqual([expect.objectContaining({ code: 'INVALID_TOKEN' })]);
    const newestAfterReuse = (await call(REFRESH, { t: refreshed.refreshToken })).body.data!.refreshToken;
    expect(newestAfterReuse.errors).toEqual([expect.objectContaining({ code: 'INVALID_TOKEN' })]);

    const again = (await call(LOGIN, { input: { email, password } })).body.data!.login;
    expect((await call(LOGOUT, { t: again.refreshToken })).body.data!.logout).toBe(true);
    const afterLogout = (await call(REFRESH, { t: again.refreshToken })).body.data!.refreshToken;
    expect(afterLogout.errors).toEqual([expect.objectContaining({ code: 'INVALID_TOKEN' })]);
  });

  it('answers `me` with null when no token is sent', async () => {
    const res = await call(ME);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { me: null } });
  });

  it('refuses a forged access token with UNAUTHENTICATED and no details', async () => {
    const res = await call(ME, {}, 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl');
    expect(res.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.data?.me ?? null).toBeNull();
    expectNoLeak(res.text);
  });

  it('lets an ADMIN list users and tells a CUSTOMER FORBIDDEN', async () => {
    const admin = (await call(LOGIN, { input: { email: 'admin@shopgraph.local', password: 'Admin123!shop' } })).body.data!.login;
    const alice = (await call(LOGIN, { input: { email: 'alice@shopgraph.local', password: 'Customer123!' } })).body.data!.login;
    expect(admin.errors).toEqual([]);
    expect(alice.errors).toEqual([]);

    const asAdmin = await call('{ users(first: 100) { totalCount edges { node { email role } } } }', {}, admin.accessToken);
    expect(asAdmin.body.errors).toBeUndefined();
    const emails = asAdmin.body.data!.users.edges.map((e: { node: { email: string } }) => e.node.email);
    expect(emails).toEqual(expect.arrayContaining(['admin@shopgraph.local', 'alice@shopgraph.local']));
    expect(asAdmin.body.data!.users.totalCount).toBeGreaterThanOrEqual(4);

    const asCustomer = await call('{ users { totalCount } }', {}, alice.accessToken);
    expect(asCustomer.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expectNoLeak(asCustomer.text);
  });

  it('keeps the users subgraph unreachable without a gateway token (401)', async () => {
    const direct = await gql(usersUrl, ME);
    expect(direct.status).toBe(401);
    expect(direct.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const forged = await gql(usersUrl, ME, {}, { 'x-gateway-token': 'not-a-token' });
    expect(forged.status).toBe(401);
  });

  it('answers malformed input with a validation or BAD_USER_INPUT error and no stack trace', async () => {
    const wrongType = await call('mutation { register(input: { email: 42, password: "x", name: "y" }) { errors { code } } }');
    expect(wrongType.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expectNoLeak(wrongType.text);

    const badVariables = await call(REGISTER, { input: { email: 'a@b.co' } });
    expect(badVariables.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expectNoLeak(badVariables.text);

    const unparsable = await call('{ me { id ');
    expect(unparsable.body.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');

    const admin = (await call(LOGIN, { input: { email: 'admin@shopgraph.local', password: 'Admin123!shop' } })).body.data!.login;
    const tooMany = await call('{ users(first: 1000) { totalCount } }', {}, admin.accessToken);
    expect(tooMany.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expectNoLeak(tooMany.text);

    const badCursor = await call('{ users(after: "garbage") { totalCount } }', {}, admin.accessToken);
    expect(badCursor.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expectNoLeak(badCursor.text);
  });

  it('returns expected business failures as data: duplicate email and weak password', async () => {
    const dup = await call(REGISTER, { input: { email: 'alice@shopgraph.local', password: 'another1pass', name: 'Alice 2' } });
    expect(dup.body.data!.register).toMatchObject({ accessToken: null, errors: [{ code: 'ALREADY_EXISTS', field: ['input', 'email'] }] });

    const weak = await call(REGISTER, { input: { email: `${uniqueId('w')}@example.com`, password: 'short', name: 'W' } });
    expect(weak.body.data!.register.errors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'password'] })]);
  });

  it('blocks cross-site simple requests (CSRF prevention) and serves Sandbox to browsers in development', async () => {
    const simple = await fetch(gatewayUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ me { id } }"}' });
    // A cross-site "simple" POST never reaches GraphQL: it is refused as a non-JSON body (415, JSON error).
    expect(simple.status).toBe(415);
    expect(await simple.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });

    const page = await fetch(gatewayUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/sandbox/i);
  });

  describe('in production mode', () => {
    let prod: Gateway;
    let prodUrl: string;

    beforeAll(async () => {
      prod = createGateway(
        loadGatewayConfig({
          NODE_ENV: 'production',
          ...namespaceEnv(),
          LOG_LEVEL: 'silent',
          PORT: '0',
          // The development key is refused in production: this process's test key, which users also accepts.
          INTERNAL_TOKEN_PRIVATE_KEY: TEST_PRODUCTION_INTERNAL_PRIVATE_KEY,
          JWKS_URL: new URL('/.well-known/jwks.json', usersUrl).toString(),
          USERS_SUBGRAPH_URL: usersUrl,
        }),
      );
      prodUrl = (await prod.start()).url;
    });

    afterAll(() => prod?.stop());

    it('refuses introspection and still answers ordinary queries', async () => {
      const intro = await gql(prodUrl, '{ __schema { types { name } } }');
      expect(intro.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(intro.body.errors?.[0].message).toMatch(/introspection/i);
      expect((await gql(prodUrl, ME)).body).toEqual({ data: { me: null } });
    });

    it('does not serve the Sandbox landing page', async () => {
      const page = await fetch(prodUrl, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/landing page|sandbox/i);
    });
  });
});
