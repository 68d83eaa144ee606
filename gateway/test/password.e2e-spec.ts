import { CONTENDED_GATEWAY_ENV, createTestDatabase, eventually, gql, namespaceEnv, stackEnv, TEST_INTERNAL_PUBLIC_KEYS, uniqueId } from '@shopgraph/testkit';
import { createUsersService, loadUsersConfig } from '@shopgraph/users';
import { createGateway, type Gateway } from '../src/gateway';
import { loadGatewayConfig } from '../src/config';

// Password change and reset end to end: the real users subgraph (PostgreSQL, Redis, Kafka outbox)
// behind the real gateway, whose revocation list refuses the access tokens users revoked. The
// reset token is read from users' outbox (what notifications mails; the mail itself is tested
// with the notifications subgraph).

const AUTH = 'accessToken refreshToken user { id } errors { code field }';
const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { ${AUTH} } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { ${AUTH} } }`;
const REFRESH = `mutation($t: String!) { refreshToken(refreshToken: $t) { ${AUTH} } }`;
const CHANGE = `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { user { id } errors { code field } } }`;
const REQUEST_RESET = `mutation($e: String!) { requestPasswordReset(email: $e) }`;
const RESET = `mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) { ${AUTH} } }`;
const ME = '{ me { id emailVerified } }';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let users: Awaited<ReturnType<typeof createUsersService>>;
let gateway: Gateway;
let gatewayUrl: string;

const call = (query: string, variables: Record<string, unknown> = {}, token?: string) =>
  gql(gatewayUrl, query, variables, token ? { authorization: `Bearer ${token}` } : {});

/** Whether the gateway still accepts `token` (false once it answers UNAUTHENTICATED). */
async function accepted(token: string): Promise<boolean> {
  const res = await call(ME, {}, token);
  if (res.body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED') return false;
  expect(res.body.data?.me?.id).toEqual(expect.any(String));
  return true;
}

async function signUp() {
  const email = `${uniqueId('pw')}@example.com`;
  const password = 'First-pass-1';
  const first = (await call(REGISTER, { input: { email, password, name: 'Pat' } })).body.data!.register;
  expect(first.errors).toEqual([]);
  const second = (await call(LOGIN, { input: { email, password } })).body.data!.login;
  expect(second.errors).toEqual([]);
  return { email, password, userId: first.user.id as string, first, second };
}

beforeAll(async () => {
  db = await createTestDatabase('gw_password');
  users = await createUsersService(
    loadUsersConfig({
      NODE_ENV: 'test',
      ...namespaceEnv(),
      LOG_LEVEL: 'silent',
      PORT: '0',
      DATABASE_URL: db.url,
      REDIS_URL: stackEnv.redisUrl,
      KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
      INTERNAL_TOKEN_PUBLIC_KEYS: TEST_INTERNAL_PUBLIC_KEYS,
    }),
  );
  const started = await users.start();
  gateway = createGateway(
    loadGatewayConfig({
      NODE_ENV: 'development',
      ...namespaceEnv(),
      ...CONTENDED_GATEWAY_ENV,
      LOG_LEVEL: 'silent',
      PORT: '0',
      REDIS_URL: stackEnv.redisUrl,
      JWKS_URL: `http://127.0.0.1:${started.port}/.well-known/jwks.json`,
      USERS_SUBGRAPH_URL: started.url,
    }),
  );
  gatewayUrl = (await gateway.start()).url;
});

afterAll(async () => {
  await gateway?.stop();
  await users?.stop();
  await db?.drop();
});

describe('password change and reset through the gateway', () => {
  it('changePassword keeps the calling session (the gateway passes its sid) and signs the other one out at once', async () => {
    const account = await signUp();
    expect(await accepted(account.second.accessToken)).toBe(true);

    const changed = (await call(CHANGE, { c: account.password, n: 'Second-pass-2' }, account.first.accessToken)).body.data!.changePassword;
    expect(changed).toEqual({ user: { id: account.userId }, errors: [] });

    // The other session's access token is refused within the revocation cache window (≤ 2 s).
    await eventually(async () => ((await accepted(account.second.accessToken)) ? undefined : true), 5000);
    expect((await call(REFRESH, { t: account.second.refreshToken })).body.data!.refreshToken.errors[0].code).toBe('INVALID_TOKEN');
    // The caller's session goes on: its access token still works, and so does its refresh token.
    expect(await accepted(account.first.accessToken)).toBe(true);
    const refreshed = (await call(REFRESH, { t: account.first.refreshToken })).body.data!.refreshToken;
    expect(refreshed.errors).toEqual([]);
    expect(await accepted(refreshed.accessToken)).toBe(true);
  });

  it('resetPassword with the mailed token refuses every older access and refresh token and signs in afresh', async () => {
    const account = await signUp();
    expect((await call(REQUEST_RESET, { e: account.email })).body).toEqual({ data: { requestPasswordReset: true } });
    await users.services.accounts.drain();
    const [row] = await users.dataSource.query(
      `SELECT envelope FROM outbox WHERE key = $1 AND envelope->>'type' = 'PasswordResetRequested' ORDER BY seq DESC LIMIT 1`,
      [account.userId],
    );
    const token = row.envelope.payload.token as string;

    const reset = (await call(RESET, { t: token, p: 'Reset-pass-3' })).body.data!.resetPassword;
    expect(reset.errors).toEqual([]);
    await eventually(async () => ((await accepted(account.first.accessToken)) ? undefined : true), 5000);
    expect(await accepted(account.second.accessToken)).toBe(false);
    for (const old of [account.first.refreshToken, account.second.refreshToken]) {
      expect((await call(REFRESH, { t: old })).body.data!.refreshToken.errors[0].code).toBe('INVALID_TOKEN');
    }
    expect((await call(ME, {}, reset.accessToken)).body.data!.me).toEqual({ id: account.userId, emailVerified: true });
    // Single use.
    expect((await call(RESET, { t: token, p: 'Reset-pass-4' })).body.data!.resetPassword.errors).toEqual([
      { code: 'INVALID_TOKEN', field: ['token'] },
    ]);
  });
});
