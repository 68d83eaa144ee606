import { KIT_DEADLINES_ENV, freezableProxy, stackEnv, eventually, type FreezableProxy } from '@shopgraph/testkit';
import { registerCustomer, startUsersSubgraph, type TestUsersSubgraph } from './fixtures/users-subgraph';

// Issue 22: the login rate limit counts attempts in Redis. When Redis hangs (a TCP proxy this test
// freezes: it accepts connections and never answers) attempts cannot be counted, and login fails
// closed — SERVICE_UNAVAILABLE with a retryAfter, fast — while everything else keeps working.

const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { accessToken user { id } errors { code } } }`;
const ME = `{ me { id email } }`;

describe('users with a hung Redis (login rate limit)', () => {
  let redis: FreezableProxy;
  let users: TestUsersSubgraph;

  beforeAll(async () => {
    const target = new URL(stackEnv.redisUrl);
    redis = await freezableProxy({ host: target.hostname, port: Number(target.port || 6379) });
    users = await startUsersSubgraph({ ...KIT_DEADLINES_ENV, REDIS_URL: redis.url('redis') });
  });
  afterAll(async () => {
    redis?.thaw();
    await users?.stop();
    await redis?.close();
  });

  it('refuses logins fast with SERVICE_UNAVAILABLE and retryAfter (fail closed), keeps serving everything else, and logs in again after', async () => {
    const account = await registerCustomer(users);
    const login = () => users.call(LOGIN, { input: { email: account.email, password: account.password } });
    expect((await login()).body.data!.login.accessToken).toEqual(expect.any(String));

    redis.freeze();
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await login();
      expect(Date.now() - started).toBeLessThan(1500); // REDIS_COMMAND_TIMEOUT_MS is 250
      expect(res.body.data).toBeNull();
      expect(res.body.errors).toEqual([
        expect.objectContaining({ message: 'Sign-in is temporarily unavailable; try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 5 } }),
      ]);
      expect(res.text).not.toMatch(/timed out|ioredis|stack/i);
    }
    // A wrong password is refused the same way: no unlimited guessing while attempts are not counted.
    const guess = await users.call(LOGIN, { input: { email: account.email, password: 'Wrong-pass1' } });
    expect(guess.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');

    // The rest of users does not need Redis: queries work and readiness stays green.
    expect((await users.call(ME, {}, account.viewer)).body.data!.me.email).toBe(account.email);
    const ready = await fetch(new URL('/health/ready', users.url));
    expect(ready.status).toBe(200);

    redis.thaw();
    const token = await eventually(async () => (await login()).body.data?.login?.accessToken ?? undefined, 15000, 300);
    expect(token).toEqual(expect.any(String));
  });
});
