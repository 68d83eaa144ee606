import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import type { Consumer } from 'kafkajs';
import { contracts, createKafka, topicsIn, type EventEnvelope } from '@shopgraph/events';
import { createLogger } from '@shopgraph/kit';
import { eventually, stackEnv, testGroupId, testNamespace, uniqueId } from '@shopgraph/testkit';
import { registerCustomer, startUsersSubgraph, type TestUsersSubgraph } from './fixtures/users-subgraph';

// Password reset, password change and email verification through the real users subgraph on the
// local stack (PostgreSQL, Redis, Kafka), with the users.v1 events read from the outbox the relay
// publishes (and, once, from Kafka itself).

const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id } errors { code field } } }`;
const REFRESH = `mutation($token: String!) { refreshToken(refreshToken: $token) { accessToken refreshToken errors { code field } } }`;
const REQUEST_RESET = `mutation($email: String!) { requestPasswordReset(email: $email) }`;
const RESET = `
  mutation($token: String!, $password: String!) {
    resetPassword(token: $token, newPassword: $password) {
      accessToken refreshToken expiresAt
      user { id email emailVerified }
      errors { code message field }
    }
  }`;
const CHANGE = `
  mutation($current: String!, $next: String!) {
    changePassword(currentPassword: $current, newPassword: $next) { user { id emailVerified } errors { code field } }
  }`;
const REQUEST_VERIFICATION = `mutation { requestEmailVerification }`;
const VERIFY = `mutation($token: String!) { verifyEmail(token: $token) { user { id email emailVerified } errors { code message field } } }`;
const ME = `{ me { id emailVerified } }`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface OutboxRow {
  type: string;
  envelope: EventEnvelope;
  xmin: string;
  sent: boolean;
}

describe('users subgraph: password reset, password change, email verification', () => {
  let subgraph: TestUsersSubgraph;
  let redis: Redis;
  const revokedKey = (userId: string) => `${testNamespace().key('auth:revoked:')}user:${userId}`;

  beforeAll(async () => {
    subgraph = await startUsersSubgraph({
      LOGIN_RATE_LIMIT: '3',
      // Long enough that the backoff after the third wrong password is still on when the test asks again.
      LOGIN_BACKOFF_BASE_SECONDS: '30',
      PASSWORD_RESET_RATE_LIMIT_PER_EMAIL: '2',
      PASSWORD_RESET_RATE_LIMIT_PER_CLIENT: '4',
    });
    redis = new Redis(stackEnv.redisUrl, { lazyConnect: true });
    await redis.connect();
  });
  afterAll(async () => {
    await subgraph?.stop();
    redis?.disconnect();
  });

  /** users.v1 events of `userId` in the outbox, oldest first, with the id of the transaction that wrote each. */
  async function outbox(userId: string): Promise<OutboxRow[]> {
    const rows: Array<{ envelope: EventEnvelope; xmin: string; sent_at: Date | null; topic: string }> =
      await subgraph.service.dataSource.query(
        `SELECT envelope, xmin::text AS xmin, sent_at, topic FROM outbox WHERE key = $1 ORDER BY seq`,
        [userId],
      );
    for (const row of rows) expect(row.topic).toBe('users.v1');
    return rows.map((r) => ({ type: r.envelope.type, envelope: r.envelope, xmin: r.xmin, sent: r.sent_at !== null }));
  }

  const lastOf = async (userId: string, type: string) => {
    const row = (await outbox(userId)).filter((r) => r.type === type).pop();
    if (!row) throw new Error(`no ${type} for ${userId}`);
    return row;
  };

  async function requestResetToken(email: string): Promise<string> {
    const [user] = await subgraph.service.dataSource.query(`SELECT id FROM users WHERE email = $1`, [email.trim().toLowerCase()]);
    const before = (await outbox(user.id)).length;
    const res = await subgraph.call(REQUEST_RESET, { email });
    expect(res.body).toEqual({ data: { requestPasswordReset: true } });
    // The token and event are written after the answer (so its timing reveals nothing).
    await subgraph.service.services.accounts.drain();
    const rows = await outbox(user.id);
    expect(rows).toHaveLength(before + 1);
    expect(rows[rows.length - 1].type).toBe('PasswordResetRequested');
    return (rows[rows.length - 1].envelope.payload as { token: string }).token;
  }

  async function expire(token: string) {
    const [, affected] = await subgraph.service.dataSource.query(
      `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
      [sha256(token)],
    );
    expect(affected).toBe(1);
  }

  describe('publishing', () => {
    it('the relay publishes the events to users.v1 in the run namespace', async () => {
      const kafka = createKafka(stackEnv.kafkaBrokers, 'users-test', createLogger('users-test', 'silent'));
      const consumer: Consumer = kafka.consumer({ groupId: testGroupId('users-tap'), maxWaitTimeInMs: 100 });
      const seen: EventEnvelope[] = [];
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [topicsIn(testNamespace()).users], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            if (message.value) seen.push(JSON.parse(message.value.toString()) as EventEnvelope);
          },
        });
        const account = await registerCustomer(subgraph);
        const published = await eventually(async () => {
          const mine = seen.filter((e) => e.aggregateId === account.user.id);
          return mine.length === 2 ? mine : undefined;
        }, 30_000);
        expect(published.map((e) => e.type)).toEqual(['UserRegistered', 'EmailVerificationRequested']);
        // Marked sent once Kafka acknowledged them (the mark follows the publish).
        await eventually(async () => ((await outbox(account.user.id)).every((r) => r.sent) ? true : undefined), 10_000);
      } finally {
        await consumer.disconnect();
      }
    });
  });

  // From here on the relay is stopped: publishing marks a row sent with an UPDATE, which gives it a
  // new xmin, and these tests compare the xmin of the outbox rows with that of the rows written
  // in the same transaction (the events stay in the outbox, unsent).
  describe('with the relay stopped', () => {
    beforeAll(async () => {
      await subgraph.service.relay.stop();
    });

    describe('registration', () => {
      it('writes UserRegistered and EmailVerificationRequested in the transaction that creates the account, and nothing for a refused one', async () => {
        const account = await registerCustomer(subgraph, 'Grace');
        const rows = await outbox(account.user.id);
        expect(rows.map((r) => r.type)).toEqual(['UserRegistered', 'EmailVerificationRequested']);
        const [registered, verification] = rows;
        expect(registered.envelope).toMatchObject({ source: 'users', aggregateId: account.user.id, version: 1 });
        expect(registered.envelope.payload).toEqual({ userId: account.user.id, email: account.email, name: 'Grace' });
        const payload = verification.envelope.payload as { token: string; expiresAt: string; email: string; name: string };
        expect(payload).toMatchObject({ userId: account.user.id, email: account.email, name: 'Grace' });
        expect(payload.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        // 7 days, give or take the test's own duration.
        expect(Math.abs(Date.parse(payload.expiresAt) - (Date.now() + 7 * 24 * 3600_000))).toBeLessThan(60_000);

        // One transaction: the user row, the token row and both outbox rows carry the same xmin.
        const [user] = await subgraph.service.dataSource.query(`SELECT xmin::text AS xmin, email_verified_at FROM users WHERE id = $1`, [
          account.user.id,
        ]);
        const tokens = await subgraph.service.dataSource.query(
          `SELECT xmin::text AS xmin, token_hash, purpose FROM account_tokens WHERE user_id = $1`,
          [account.user.id],
        );
        expect(user.email_verified_at).toBeNull();
        expect(tokens).toEqual([{ xmin: user.xmin, token_hash: sha256(payload.token), purpose: 'EMAIL_VERIFICATION' }]);
        expect(registered.xmin).toBe(user.xmin);
        expect(verification.xmin).toBe(user.xmin);
        // Only the hash is stored: the raw token appears nowhere in account_tokens.
        const [{ found }] = await subgraph.service.dataSource.query(
          `SELECT count(*)::int AS found FROM account_tokens t WHERE t::text LIKE '%' || $1 || '%'`,
          [payload.token],
        );
        expect(found).toBe(0);

        // A duplicate email is refused and leaves no event behind.
        const [{ n: before }] = await subgraph.service.dataSource.query(`SELECT count(*)::int AS n FROM outbox`);
        const dup = await subgraph.call(`mutation($input: RegisterInput!) { register(input: $input) { user { id } errors { code } } }`, {
          input: { email: account.email.toUpperCase(), password: 'Another-pass1', name: 'Copy' },
        });
        expect(dup.body.data!.register).toEqual({ user: null, errors: [{ code: 'ALREADY_EXISTS' }] });
        const [{ n: after }] = await subgraph.service.dataSource.query(`SELECT count(*)::int AS n FROM outbox`);
        expect(after).toBe(before);
      });
    });

    describe('email verification', () => {
      it('verifies with the mailed token once; a used, expired, unknown or malformed token is INVALID_TOKEN', async () => {
        const account = await registerCustomer(subgraph);
        expect((await subgraph.call(ME, {}, account.viewer)).body.data!.me).toEqual({ id: account.user.id, emailVerified: false });
        const first = (await lastOf(account.user.id, 'EmailVerificationRequested')).envelope.payload as { token: string };

        // A second link (the first still works until one is used).
        expect((await subgraph.call(REQUEST_VERIFICATION, {}, account.viewer)).body).toEqual({ data: { requestEmailVerification: true } });
        const second = (await lastOf(account.user.id, 'EmailVerificationRequested')).envelope.payload as { token: string };
        expect(second.token).not.toBe(first.token);

        // Signed out, as from a link opened anywhere: the token alone proves the mailbox.
        const verified = await subgraph.call(VERIFY, { token: first.token });
        expect(verified.body.data!.verifyEmail).toEqual({
          user: { id: account.user.id, email: account.email, emailVerified: true },
          errors: [],
        });
        expect((await subgraph.call(ME, {}, account.viewer)).body.data!.me.emailVerified).toBe(true);

        const invalid = { user: null, errors: [{ code: 'INVALID_TOKEN', message: expect.any(String), field: ['token'] }] };
        // Used twice; the other link of the same user is retired with it.
        expect((await subgraph.call(VERIFY, { token: first.token })).body.data!.verifyEmail).toEqual(invalid);
        expect((await subgraph.call(VERIFY, { token: second.token })).body.data!.verifyEmail).toEqual(invalid);
        // Unknown (well formed), malformed, empty, huge.
        for (const token of ['A'.repeat(43), 'not a token', '', 'x'.repeat(10_000), `${first.token}'; DROP TABLE users; --`]) {
          const res = await subgraph.call(VERIFY, { token });
          expect(res.body.errors).toBeUndefined();
          expect(res.body.data!.verifyEmail).toEqual(invalid);
        }
        // Already verified: true, and no new mail.
        const before = (await outbox(account.user.id)).length;
        expect((await subgraph.call(REQUEST_VERIFICATION, {}, account.viewer)).body.data!.requestEmailVerification).toBe(true);
        expect(await outbox(account.user.id)).toHaveLength(before);
      });

      it('writes EmailVerified in the transaction that verifies the address, once; a reset verifies an unverified address with one too, a verified one without', async () => {
        const account = await registerCustomer(subgraph, 'Vera');
        expect((await outbox(account.user.id)).some((r) => r.type === 'EmailVerified')).toBe(false);
        const { token } = (await lastOf(account.user.id, 'EmailVerificationRequested')).envelope.payload as { token: string };
        expect((await subgraph.call(VERIFY, { token })).body.data!.verifyEmail.errors).toEqual([]);
        const verified = await lastOf(account.user.id, 'EmailVerified');
        expect(verified.envelope).toMatchObject({ type: 'EmailVerified', version: 1, aggregateId: account.user.id, source: 'users' });
        expect(verified.envelope.payload).toEqual({ userId: account.user.id, email: account.email, name: 'Vera', verifiedAt: expect.any(String) });
        expect(contracts.EmailVerified.payload.safeParse(verified.envelope.payload).success).toBe(true);
        const [row] = await subgraph.service.dataSource.query(`SELECT u.email_verified_at, t.xmin::text AS xmin FROM account_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, [sha256(token)]);
        expect(new Date((verified.envelope.payload as { verifiedAt: string }).verifiedAt).getTime()).toBe(row.email_verified_at.getTime());
        expect(verified.xmin).toBe(row.xmin);
        // A reset link (asked from a client of its own: the per-client limit is other tests' subject), used.
        const resetWith = async (email: string, client: string) => {
          expect((await subgraph.call(REQUEST_RESET, { email }, null, { clientIp: client })).body).toEqual({ data: { requestPasswordReset: true } });
          await subgraph.service.services.accounts.drain();
          const [user] = await subgraph.service.dataSource.query(`SELECT id FROM users WHERE email = $1`, [email]);
          const { token: resetToken } = (await lastOf(user.id, 'PasswordResetRequested')).envelope.payload as { token: string };
          return subgraph.call(RESET, { token: resetToken, password: 'Other-pass-123' });
        };
        // A reset of the (verified) address announces no second verification.
        expect((await resetWith(account.email, '203.0.113.71')).body.data!.resetPassword.errors).toEqual([]);
        expect((await outbox(account.user.id)).filter((r) => r.type === 'EmailVerified')).toHaveLength(1);

        // A reset proves the mailbox of an unverified account: EmailVerified with it.
        const other = await registerCustomer(subgraph, 'Rhea');
        expect((await resetWith(other.email, '203.0.113.72')).body.data!.resetPassword.errors).toEqual([]);
        expect((await outbox(other.user.id)).filter((r) => r.type === 'EmailVerified').map((r) => r.envelope.payload)).toEqual([
          { userId: other.user.id, email: other.email, name: 'Rhea', verifiedAt: expect.any(String) },
        ]);
      });

      it('refuses an expired verification token and asks anonymous callers to sign in for a new link', async () => {
        const account = await registerCustomer(subgraph);
        const { token } = (await lastOf(account.user.id, 'EmailVerificationRequested')).envelope.payload as { token: string };
        await expire(token);
        expect((await subgraph.call(VERIFY, { token })).body.data!.verifyEmail.errors).toEqual([
          { code: 'INVALID_TOKEN', message: expect.any(String), field: ['token'] },
        ]);
        expect((await subgraph.call(ME, {}, account.viewer)).body.data!.me.emailVerified).toBe(false);

        const anonymous = await subgraph.call(REQUEST_VERIFICATION);
        expect(anonymous.body.data ?? null).toBeNull();
        expect(anonymous.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      });

      it('limits verification mails per account', async () => {
        const account = await registerCustomer(subgraph);
        const before = (await outbox(account.user.id)).length;
        // PASSWORD_RESET_RATE_LIMIT_PER_EMAIL=2 per window.
        for (let i = 0; i < 2; i++)
          expect((await subgraph.call(REQUEST_VERIFICATION, {}, account.viewer)).body.data!.requestEmailVerification).toBe(true);
        const third = await subgraph.call(REQUEST_VERIFICATION, {}, account.viewer);
        expect(third.body.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
        expect(await outbox(account.user.id)).toHaveLength(before + 2);
      });
    });

    describe('password reset', () => {
      it('end to end: the mailed token sets a new password once, signs in, and every old session is refused', async () => {
        const account = await registerCustomer(subgraph, 'Ada');
        const other = (await subgraph.call(LOGIN, { input: { email: account.email, password: account.password } })).body.data!.login;
        expect(other.errors).toEqual([]);

        const requestedAt = Date.now();
        const token = await requestResetToken(`  ${account.email.toUpperCase()} `);
        const event = (await lastOf(account.user.id, 'PasswordResetRequested')).envelope;
        expect(event.payload).toEqual({ userId: account.user.id, email: account.email, name: 'Ada', token, expiresAt: expect.any(String) });
        const expiresIn = Date.parse((event.payload as { expiresAt: string }).expiresAt) - requestedAt;
        expect(expiresIn).toBeGreaterThan(29 * 60_000);
        expect(expiresIn).toBeLessThanOrEqual(31 * 60_000);
        const [stored] = await subgraph.service.dataSource.query(
          `SELECT token_hash, xmin::text AS xmin FROM account_tokens WHERE purpose = 'PASSWORD_RESET' AND user_id = $1`,
          [account.user.id],
        );
        expect(stored.token_hash).toBe(sha256(token));
        expect(stored.xmin).toBe((await lastOf(account.user.id, 'PasswordResetRequested')).xmin);

        // Password rules apply, and a refused password does not use the token up.
        const weak = (await subgraph.call(RESET, { token, password: 'short' })).body.data!.resetPassword;
        expect(weak).toMatchObject({ accessToken: null, errors: [{ code: 'INVALID_INPUT', field: ['newPassword'] }] });

        const before = Date.now();
        const reset = (await subgraph.call(RESET, { token, password: 'Brand-new-pass9' })).body.data!.resetPassword;
        expect(reset.errors).toEqual([]);
        // A reset by mail also proves the address.
        expect(reset.user).toEqual({ id: account.user.id, email: account.email, emailVerified: true });
        expect(reset.accessToken).toEqual(expect.any(String));
        expect((decodeJwt(reset.accessToken).iat_ms as number) >= before).toBe(true);

        // Every refresh token issued before the reset is refused; the new session works.
        for (const old of [account.refreshToken, other.refreshToken]) {
          expect((await subgraph.call(REFRESH, { token: old })).body.data!.refreshToken.errors).toEqual([
            { code: 'INVALID_TOKEN', field: ['refreshToken'] },
          ]);
        }
        expect((await subgraph.call(REFRESH, { token: reset.refreshToken })).body.data!.refreshToken.errors).toEqual([]);
        // At the gateway, every access token of the user issued before the reset (the key it reads).
        const cutoff = Number(await redis.get(revokedKey(account.user.id)));
        expect(cutoff).toBeGreaterThanOrEqual(before);
        expect(cutoff).toBeLessThanOrEqual(decodeJwt(reset.accessToken).iat_ms as number);
        expect(decodeJwt(account.accessToken).iat_ms as number).toBeLessThan(cutoff);
        expect(await redis.ttl(revokedKey(account.user.id))).toBeGreaterThan(0);

        // Old password refused, new one accepted.
        expect(
          (await subgraph.call(LOGIN, { input: { email: account.email, password: account.password } })).body.data!.login.errors[0].code,
        ).toBe('INVALID_CREDENTIALS');
        expect(
          (await subgraph.call(LOGIN, { input: { email: account.email, password: 'Brand-new-pass9' } })).body.data!.login.errors,
        ).toEqual([]);

        // Used twice: refused, and nothing changes.
        const again = (await subgraph.call(RESET, { token, password: 'Third-pass-99' })).body.data!.resetPassword;
        expect(again).toEqual({
          accessToken: null,
          refreshToken: null,
          expiresAt: null,
          user: null,
          errors: [{ code: 'INVALID_TOKEN', message: expect.any(String), field: ['token'] }],
        });
        expect(
          (await subgraph.call(LOGIN, { input: { email: account.email, password: 'Third-pass-99' } })).body.data!.login.errors[0].code,
        ).toBe('INVALID_CREDENTIALS');

        // PasswordChanged (a security mail) in the transaction that changed the password.
        const changed = await lastOf(account.user.id, 'PasswordChanged');
        expect(changed.envelope.payload).toEqual({
          userId: account.user.id,
          email: account.email,
          name: 'Ada',
          via: 'RESET',
          at: expect.any(String),
        });
        const [tokenRow] = await subgraph.service.dataSource.query(
          `SELECT xmin::text AS xmin, used_at FROM account_tokens WHERE token_hash = $1`,
          [sha256(token)],
        );
        expect(tokenRow.used_at).not.toBeNull();
        expect(changed.xmin).toBe(tokenRow.xmin);
      });

      it('refuses an expired token, retires the other reset links once one is used, and lets exactly one of two concurrent uses win', async () => {
        const account = await registerCustomer(subgraph);
        const expired = await requestResetToken(account.email);
        await expire(expired);
        expect((await subgraph.call(RESET, { token: expired, password: 'Brand-new-pass9' })).body.data!.resetPassword.errors[0].code).toBe(
          'INVALID_TOKEN',
        );
        expect(
          (await subgraph.call(LOGIN, { input: { email: account.email, password: 'Brand-new-pass9' } })).body.data!.login.errors[0].code,
        ).toBe('INVALID_CREDENTIALS');

        await redis.del(`${testNamespace().key('users:login-attempts:')}reset-email:${account.email}`);
        const spare = await requestResetToken(account.email);
        const raced = await requestResetToken(account.email);
        const results = await Promise.all([1, 2].map((n) => subgraph.call(RESET, { token: raced, password: `Racing-pass-${n}` })));
        const payloads = results.map((r) => r.body.data!.resetPassword);
        expect(payloads.filter((p) => p.errors.length === 0)).toHaveLength(1);
        expect(payloads.filter((p) => p.errors[0]?.code === 'INVALID_TOKEN')).toHaveLength(1);
        expect((await outbox(account.user.id)).filter((r) => r.type === 'PasswordChanged')).toHaveLength(1);
        // The other link of this user died with the reset.
        expect((await subgraph.call(RESET, { token: spare, password: 'Brand-new-pass9' })).body.data!.resetPassword.errors[0].code).toBe(
          'INVALID_TOKEN',
        );
        // A verification token is no reset token.
        const { token: verification } = (await lastOf(account.user.id, 'EmailVerificationRequested')).envelope.payload as { token: string };
        expect(
          (await subgraph.call(RESET, { token: verification, password: 'Brand-new-pass9' })).body.data!.resetPassword.errors[0].code,
        ).toBe('INVALID_TOKEN');
      });

      it('answers true whatever the email, writing nothing for an unknown one, and never an error for bad input', async () => {
        const [{ n: before }] = await subgraph.service.dataSource.query(`SELECT count(*)::int AS n FROM outbox`);
        for (const email of [`${uniqueId('nobody')}@example.com`, 'not an email', '', 'x'.repeat(500)]) {
          const res = await subgraph.call(REQUEST_RESET, { email });
          expect(res.body).toEqual({ data: { requestPasswordReset: true } });
        }
        await subgraph.service.services.accounts.drain();
        const [{ n: after }] = await subgraph.service.dataSource.query(`SELECT count(*)::int AS n FROM outbox`);
        expect(after).toBe(before);
      });

      it('limits requests per email (known or not: true, but no more mail) and per client (RATE_LIMITED)', async () => {
        const account = await registerCustomer(subgraph);
        const unknown = `${uniqueId('ghost')}@example.com`;
        const mails = async () => (await outbox(account.user.id)).filter((r) => r.type === 'PasswordResetRequested').length;

        // Per email (PASSWORD_RESET_RATE_LIMIT_PER_EMAIL=2): the third request still answers true, and sends nothing.
        for (let i = 0; i < 3; i++) {
          const client = { clientIp: `198.51.100.${i + 1}` };
          expect((await subgraph.call(REQUEST_RESET, { email: account.email }, null, client)).body).toEqual({
            data: { requestPasswordReset: true },
          });
          expect((await subgraph.call(REQUEST_RESET, { email: unknown }, null, client)).body).toEqual({
            data: { requestPasswordReset: true },
          });
        }
        await subgraph.service.services.accounts.drain();
        expect(await mails()).toBe(2);

        // Per client (PASSWORD_RESET_RATE_LIMIT_PER_CLIENT=4): the fifth request of one client is refused, whatever the emails.
        const client = { clientIp: `203.0.113.${Math.floor(Math.random() * 200) + 20}` };
        await redis.del(`${testNamespace().key('users:login-attempts:')}reset-client:${client.clientIp}`);
        for (let i = 0; i < 4; i++) {
          expect(
            (await subgraph.call(REQUEST_RESET, { email: `${uniqueId('c')}@example.com` }, null, client)).body.data!.requestPasswordReset,
          ).toBe(true);
        }
        const refused = await subgraph.call(REQUEST_RESET, { email: `${uniqueId('c')}@example.com` }, null, client);
        expect(refused.body.data ?? null).toBeNull();
        expect(refused.body.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
        expect(refused.body.errors![0].extensions!.retryAfter as number).toBeGreaterThan(3000);
        // Another client is not affected.
        expect(
          (await subgraph.call(REQUEST_RESET, { email: `${uniqueId('c')}@example.com` }, null, { clientIp: '192.0.2.77' })).body.data!
            .requestPasswordReset,
        ).toBe(true);
      });
    });

    describe('password change', () => {
      it('needs the current password, keeps the calling session and signs every other one out', async () => {
        const account = await registerCustomer(subgraph, 'Lin');
        const other = (await subgraph.call(LOGIN, { input: { email: account.email, password: account.password } })).body.data!.login;
        const sid = decodeJwt(account.accessToken).sid as string;
        const otherSid = decodeJwt(other.accessToken).sid as string;
        expect(sid).not.toBe(otherSid);
        const asCaller = { sessionId: sid };

        const anonymous = await subgraph.call(CHANGE, { current: account.password, next: 'Changed-pass-1' });
        expect(anonymous.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
        const wrong = (await subgraph.call(CHANGE, { current: 'Wrong-pass-1', next: 'Changed-pass-1' }, account.viewer, asCaller)).body
          .data!.changePassword;
        expect(wrong).toEqual({ user: null, errors: [{ code: 'INVALID_CREDENTIALS', field: ['currentPassword'] }] });
        const weak = (await subgraph.call(CHANGE, { current: account.password, next: 'nodigits' }, account.viewer, asCaller)).body.data!
          .changePassword;
        expect(weak).toEqual({ user: null, errors: [{ code: 'INVALID_INPUT', field: ['newPassword'] }] });

        const changed = (await subgraph.call(CHANGE, { current: account.password, next: 'Changed-pass-1' }, account.viewer, asCaller)).body
          .data!.changePassword;
        expect(changed).toEqual({ user: { id: account.user.id, emailVerified: false }, errors: [] });

        // The other session: refresh token refused, access tokens revoked at the gateway (sid key).
        expect((await subgraph.call(REFRESH, { token: other.refreshToken })).body.data!.refreshToken.errors[0].code).toBe('INVALID_TOKEN');
        expect(await redis.get(`${testNamespace().key('auth:revoked:')}sid:${otherSid}`)).toBe('1');
        // The calling session: still signed in, its access tokens not revoked.
        expect(await redis.get(`${testNamespace().key('auth:revoked:')}sid:${sid}`)).toBeNull();
        expect(await redis.get(revokedKey(account.user.id))).toBeNull();
        expect((await subgraph.call(REFRESH, { token: account.refreshToken })).body.data!.refreshToken.errors).toEqual([]);

        expect(
          (await subgraph.call(LOGIN, { input: { email: account.email, password: account.password } })).body.data!.login.errors[0].code,
        ).toBe('INVALID_CREDENTIALS');
        expect(
          (await subgraph.call(LOGIN, { input: { email: account.email, password: 'Changed-pass-1' } })).body.data!.login.errors,
        ).toEqual([]);

        const event = await lastOf(account.user.id, 'PasswordChanged');
        expect(event.envelope.payload).toEqual({
          userId: account.user.id,
          email: account.email,
          name: 'Lin',
          via: 'CHANGE',
          at: expect.any(String),
        });
        const [user] = await subgraph.service.dataSource.query(`SELECT xmin::text AS xmin FROM users WHERE id = $1`, [account.user.id]);
        expect(event.xmin).toBe(user.xmin);
      });

      it('without a known session signs every session out, this one included (refresh tokens and, at the gateway, older access tokens)', async () => {
        const account = await registerCustomer(subgraph);
        const before = Date.now();
        const changed = (await subgraph.call(CHANGE, { current: account.password, next: 'Changed-pass-2' }, account.viewer)).body.data!
          .changePassword;
        expect(changed.errors).toEqual([]);
        expect((await subgraph.call(REFRESH, { token: account.refreshToken })).body.data!.refreshToken.errors[0].code).toBe(
          'INVALID_TOKEN',
        );
        expect(Number(await redis.get(revokedKey(account.user.id)))).toBeGreaterThanOrEqual(before);
      });

      it('counts wrong current passwords as failed logins of the account (backoff, RATE_LIMITED)', async () => {
        const account = await registerCustomer(subgraph);
        // LOGIN_RATE_LIMIT=3 free failures, then the account backs off.
        for (let i = 0; i < 3; i++) {
          const wrong = (await subgraph.call(CHANGE, { current: `Guess-${i}-pass`, next: 'Changed-pass-3' }, account.viewer)).body.data!
            .changePassword;
          expect(wrong.errors[0].code).toBe('INVALID_CREDENTIALS');
        }
        const limited = await subgraph.call(CHANGE, { current: account.password, next: 'Changed-pass-3' }, account.viewer);
        expect(limited.body.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
        expect((await outbox(account.user.id)).some((r) => r.type === 'PasswordChanged')).toBe(false);
      });
    });

    it("a reset of one user leaves every other user's sessions alone", async () => {
      const a = await registerCustomer(subgraph);
      const b = await registerCustomer(subgraph);
      const token = await requestResetToken(a.email);
      const reset = (await subgraph.call(RESET, { token, password: 'Only-for-a-1' })).body.data!.resetPassword;
      expect(reset.user.id).toBe(a.user.id);
      expect((await subgraph.call(REFRESH, { token: b.refreshToken })).body.data!.refreshToken.errors).toEqual([]);
      expect(await redis.get(revokedKey(b.user.id))).toBeNull();
    });
  });
});
