import { createUsersService, loadUsersConfig } from '@shopgraph/users';
import { createGateway, type Gateway } from '@shopgraph/gateway';
import { loadGatewayConfig } from '@shopgraph/gateway/dist/config';
import { createTestDatabase, gql, namespaceEnv, stackEnv, TEST_INTERNAL_PUBLIC_KEYS, uniqueId } from '@shopgraph/testkit';
import { startNotificationsHarness, type NotificationsHarness } from './fixtures/notifications-harness';
import { waitForMails, mailsTo } from './fixtures/mailpit';

// Through the gateway, with the real users subgraph publishing users.v1 and the notifications
// subgraph mailing into the stack's Mailpit: register -> welcome + verification mails, the
// mailed link verifies the address; a reset mail's link resets the password once.

jest.setTimeout(120_000);

const AUTH = 'accessToken refreshToken user { id } errors { code field }';
const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { ${AUTH} } }`;
const VERIFY = 'mutation($t: String!) { verifyEmail(token: $t) { user { id emailVerified } errors { code } } }';
const REQUEST_RESET = 'mutation($e: String!) { requestPasswordReset(email: $e) }';
const RESET = `mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) { ${AUTH} } }`;
const REFRESH = `mutation($t: String!) { refreshToken(refreshToken: $t) { ${AUTH} } }`;
const ME =
  '{ me { id emailVerified notifications { totalCount edges { node { kind status recipient subject } } } notificationPreferences { orderUpdates } } }';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let users: Awaited<ReturnType<typeof createUsersService>>;
let notifications: NotificationsHarness;
let gateway: Gateway;
let gatewayUrl: string;

const call = (query: string, variables: Record<string, unknown> = {}, token?: string) =>
  gql(gatewayUrl, query, variables, token ? { authorization: `Bearer ${token}` } : {});
const tokenIn = (text: string, path: string) => new RegExp(`https://shop\\.example\\.test/${path}\\?token=([^\\s"&]+)`).exec(text)?.[1];

beforeAll(async () => {
  db = await createTestDatabase('gw_accounts');
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
  notifications = await startNotificationsHarness();
  gateway = createGateway(
    loadGatewayConfig({
      NODE_ENV: 'development',
      ...namespaceEnv(),
      LOG_LEVEL: 'silent',
      PORT: '0',
      REDIS_URL: stackEnv.redisUrl,
      JWKS_URL: `http://127.0.0.1:${started.port}/.well-known/jwks.json`,
      USERS_SUBGRAPH_URL: started.url,
      NOTIFICATIONS_SUBGRAPH_URL: notifications.url,
    }),
  );
  gatewayUrl = (await gateway.start()).url;
});

afterAll(async () => {
  await gateway?.stop();
  await notifications?.stop();
  await users?.stop();
  await db?.drop();
});

it('register -> a welcome and a verification mail; the mailed link verifies the address; both show in the history', async () => {
  const email = `${uniqueId('acc').replace(/_/g, '-')}@example.test`;
  const registered = (await call(REGISTER, { input: { email, password: 'First-pass-1', name: 'Pat <Tester>' } })).body.data!.register;
  expect(registered.errors).toEqual([]);

  const mails = await waitForMails(email, 2, 30_000);
  expect(mails.map((m) => m.Subject).sort()).toEqual(['Confirm your email address', 'Welcome to Shopgraph']);
  const verification = mails.find((m) => m.Subject === 'Confirm your email address')!;
  expect(verification.HTML).toContain('Hello Pat &lt;Tester&gt;,');
  const token = tokenIn(verification.Text, 'verify-email');
  expect(token).toBeDefined();

  const verified = (await call(VERIFY, { t: decodeURIComponent(token!) }, registered.accessToken)).body.data!.verifyEmail;
  expect(verified).toEqual({ user: { id: registered.user.id, emailVerified: true }, errors: [] });
  const again = (await call(VERIFY, { t: decodeURIComponent(token!) }, registered.accessToken)).body.data!.verifyEmail;
  expect(again.errors).toEqual([{ code: 'INVALID_TOKEN' }]);

  const me = (await call(ME, {}, registered.accessToken)).body.data!.me;
  expect(me.emailVerified).toBe(true);
  expect(me.notificationPreferences).toEqual({ orderUpdates: true });
  expect(me.notifications.totalCount).toBe(2);
  expect(me.notifications.edges.map((e: any) => `${e.node.kind} ${e.node.status} ${e.node.recipient}`).sort()).toEqual([
    `EMAIL_VERIFICATION SENT ${email}`,
    `WELCOME SENT ${email}`,
  ]);
});

it('reset: the mailed link resets the password once; old refresh tokens are refused afterwards', async () => {
  const email = `${uniqueId('rst').replace(/_/g, '-')}@example.test`;
  const registered = (await call(REGISTER, { input: { email, password: 'First-pass-1', name: 'Rae' } })).body.data!.register;
  await waitForMails(email, 2, 30_000);

  expect((await call(REQUEST_RESET, { e: email })).body).toEqual({ data: { requestPasswordReset: true } });
  const mails = await waitForMails(email, 3, 30_000);
  const reset = mails.find((m) => m.Subject === 'Reset your password')!;
  const token = decodeURIComponent(tokenIn(reset.Text, 'reset-password')!);

  const done = (await call(RESET, { t: token, p: 'Second-pass-2' })).body.data!.resetPassword;
  expect(done.errors).toEqual([]);
  expect(done.accessToken).toEqual(expect.any(String));
  const twice = (await call(RESET, { t: token, p: 'Third-pass-3' })).body.data!.resetPassword;
  expect(twice.errors.map((e: any) => e.code)).toEqual(['INVALID_TOKEN']);
  const oldRefresh = (await call(REFRESH, { t: registered.refreshToken })).body;
  expect(oldRefresh.data?.refreshToken?.accessToken ?? null).toBeNull();

  // The security notice follows the reset.
  const after = await waitForMails(email, 4, 30_000);
  expect(after.map((m) => m.Subject)).toContain('Your password was changed');
  // An unknown address gets the same answer and no mail.
  const nobody = `${uniqueId('nobody').replace(/_/g, '-')}@example.test`;
  expect((await call(REQUEST_RESET, { e: nobody })).body).toEqual({ data: { requestPasswordReset: true } });
  await new Promise((r) => setTimeout(r, 1500));
  expect(await mailsTo(nobody)).toHaveLength(0);
});
