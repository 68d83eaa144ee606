import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { uniqueId } from '@shopgraph/testkit';
import { REGISTER, registerCustomer, startUsersSubgraph, type TestUsersSubgraph } from './fixtures/users-subgraph';

const LOGIN = `
  mutation Login($input: LoginInput!) {
    login(input: $input) { accessToken refreshToken expiresAt user { id email role } errors { code message field } }
  }`;
const REFRESH = `
  mutation Refresh($token: String!) {
    refreshToken(refreshToken: $token) { accessToken refreshToken user { id } errors { code field } }
  }`;
const LOGOUT = `mutation Logout($token: String!) { logout(refreshToken: $token) }`;
const ME = `{ me { id email name role } }`;

describe('users subgraph: authentication', () => {
  let subgraph: TestUsersSubgraph;

  beforeAll(async () => {
    subgraph = await startUsersSubgraph({ LOGIN_RATE_LIMIT: '3' });
  });
  afterAll(async () => {
    await subgraph?.stop();
  });

  async function verifyWithJwks(token: string) {
    const res = await fetch(`${subgraph.origin}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    const jwks = (await res.json()) as JSONWebKeySet;
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
    return jwtVerify(token, createLocalJWKSet(jwks), { issuer: 'shopgraph-users', audience: 'shopgraph', algorithms: ['EdDSA'] });
  }

  it('registers, logs in, rotates refresh tokens, revokes a family on reuse, and logs out', async () => {
    const account = await registerCustomer(subgraph, 'Ada');
    expect(account.user).toMatchObject({ email: account.email, name: 'Ada', role: 'CUSTOMER' });

    const login = await subgraph.call(LOGIN, { input: { email: `  ${account.email.toUpperCase()} `, password: account.password } });
    const session = login.body.data!.login;
    expect(session.errors).toEqual([]);
    expect(session.user).toEqual({ id: account.user.id, email: account.email, role: 'CUSTOMER' });
    expect(Date.parse(session.expiresAt) - Date.now()).toBeGreaterThan(800_000);

    // The access token verifies against the published JWKS; the gateway turns it into the viewer.
    const { payload, protectedHeader } = await verifyWithJwks(session.accessToken);
    expect(payload).toMatchObject({ sub: account.user.id, role: 'CUSTOMER' });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    const me = await subgraph.call(ME, {}, { id: payload.sub!, role: 'CUSTOMER' });
    expect(me.body.data!.me).toEqual({ id: account.user.id, email: account.email, name: 'Ada', role: 'CUSTOMER' });

    const refreshed = (await subgraph.call(REFRESH, { token: session.refreshToken })).body.data!.refreshToken;
    expect(refreshed.errors).toEqual([]);
    expect(refreshed.user.id).toBe(account.user.id);
    expect(refreshed.refreshToken).not.toBe(session.refreshToken);
    await expect(verifyWithJwks(refreshed.accessToken)).resolves.toBeDefined();

    // Reusing the rotated token revokes the family: the newest token is dead as well.
    const reuse = (await subgraph.call(REFRESH, { token: session.refreshToken })).body.data!.refreshToken;
    expect(reuse).toMatchObject({ accessToken: null, refreshToken: null, errors: [{ code: 'INVALID_TOKEN', field: ['refreshToken'] }] });
    const newest = (await subgraph.call(REFRESH, { token: refreshed.refreshToken })).body.data!.refreshToken;
    expect(newest.errors).toEqual([{ code: 'INVALID_TOKEN', field: ['refreshToken'] }]);

    // The registration session is another family and still works until logout.
    const other = (await subgraph.call(REFRESH, { token: account.refreshToken })).body.data!.refreshToken;
    expect(other.errors).toEqual([]);
    expect((await subgraph.call(LOGOUT, { token: other.refreshToken })).body.data!.logout).toBe(true);
    const afterLogout = (await subgraph.call(REFRESH, { token: other.refreshToken })).body.data!.refreshToken;
    expect(afterLogout.errors[0].code).toBe('INVALID_TOKEN');
    expect((await subgraph.call(LOGOUT, { token: 'never-issued' })).body.data!.logout).toBe(false);
  });

  it('answers me with null for anonymous callers', async () => {
    const res = await subgraph.call(ME);
    expect(res.body).toEqual({ data: { me: null } });
  });

  it('refuses a duplicate email (whatever its case) with ALREADY_EXISTS', async () => {
    const account = await registerCustomer(subgraph);
    const res = await subgraph.call(REGISTER, { input: { email: account.email.toUpperCase(), password: 'Another1pass', name: 'Dup' } });
    expect(res.body.data!.register).toMatchObject({
      accessToken: null,
      user: null,
      errors: [{ code: 'ALREADY_EXISTS', field: ['input', 'email'] }],
    });
  });

  it('reports invalid registration input field by field', async () => {
    const res = await subgraph.call(REGISTER, { input: { email: 'nope', password: 'short', name: '' } });
    expect(res.body.data!.register.errors.map((e: { code: string; field: string[] }) => [e.code, e.field.join('.')])).toEqual([
      ['INVALID_INPUT', 'input.email'],
      ['INVALID_INPUT', 'input.password'],
      ['INVALID_INPUT', 'input.name'],
    ]);
  });

  it('gives the same INVALID_CREDENTIALS for a wrong password and an unknown email', async () => {
    const account = await registerCustomer(subgraph);
    const wrong = await subgraph.call(LOGIN, { input: { email: account.email, password: 'Wrong-pass1' } });
    const unknown = await subgraph.call(LOGIN, { input: { email: `${uniqueId('ghost')}@example.com`, password: 'Wrong-pass1' } });
    expect(wrong.body.data!.login).toMatchObject({ accessToken: null, errors: [{ code: 'INVALID_CREDENTIALS' }] });
    expect(unknown.body.data!.login.errors).toEqual(wrong.body.data!.login.errors);
  });

  it('rate-limits logins per email past LOGIN_RATE_LIMIT attempts, even with the right password', async () => {
    const account = await registerCustomer(subgraph);
    for (let i = 0; i < 3; i += 1) {
      const res = await subgraph.call(LOGIN, { input: { email: account.email, password: 'Wrong-pass1' } });
      expect(res.body.data!.login.errors[0].code).toBe('INVALID_CREDENTIALS');
    }
    const limited = await subgraph.call(LOGIN, { input: { email: account.email, password: account.password } });
    expect(limited.body.data).toBeNull();
    expect(limited.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/too many login attempts/i), extensions: { code: 'RATE_LIMITED' } });

    const bystander = await registerCustomer(subgraph);
    const ok = await subgraph.call(LOGIN, { input: { email: bystander.email, password: bystander.password } });
    expect(ok.body.data!.login.errors).toEqual([]);
  });

  it('rejects /graphql without a gateway token with HTTP 401, but serves JWKS publicly', async () => {
    const res = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: ME }) });
    expect(res.status).toBe(401);
    expect((await fetch(`${subgraph.origin}/.well-known/jwks.json`)).status).toBe(200);
  });
});
