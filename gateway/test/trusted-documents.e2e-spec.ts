import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, namespaceEnv, stackEnv, uniqueId } from '@shopgraph/testkit';
import { createUsersService, loadUsersConfig } from '@shopgraph/users';
import { createGateway, type Gateway } from '../src/gateway';
import { loadGatewayConfig } from '../src/config';
import { loadTrustedDocuments, sha256 } from '../src/edge/trusted-documents';

// Issue 8, item 3: trusted documents (only the manifest's operations run) and APQ shared by
// every gateway replica through Redis, on the real users subgraph behind real gateways.

const manifest = loadTrustedDocuments([path.resolve(__dirname, '../trusted-documents.json')]);
const byName = (name: string) => [...manifest.values()].find((op) => op.name === name)!;
const ME = byName('Me');
const LOGIN = byName('Login');
const REGISTER = 'mutation($input: RegisterInput!) { register(input: $input) { accessToken errors { code } } }';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let users: Awaited<ReturnType<typeof createUsersService>>;
const gateways: Gateway[] = [];
let enforcing: string;
let replicaA: string;
let replicaB: string;

const post = async (url: string, body: Record<string, unknown>) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return {
    status: res.status,
    body: (await res.json()) as { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] },
  };
};
const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

beforeAll(async () => {
  db = await createTestDatabase('gw_trusted');
  const ns = namespaceEnv();
  users = await createUsersService(
    loadUsersConfig({ NODE_ENV: 'test', ...ns, LOG_LEVEL: 'silent', PORT: '0', DATABASE_URL: db.url, REDIS_URL: stackEnv.redisUrl }),
  );
  const started = await users.start();
  const start = async (env: Record<string, string>) => {
    const gateway = createGateway(
      loadGatewayConfig({
        NODE_ENV: 'test',
        ...ns,
        LOG_LEVEL: 'silent',
        PORT: '0',
        REDIS_URL: stackEnv.redisUrl,
        JWKS_URL: `http://127.0.0.1:${started.port}/.well-known/jwks.json`,
        USERS_SUBGRAPH_URL: started.url,
        ...env,
      }),
    );
    gateways.push(gateway);
    return (await gateway.start()).url;
  };
  enforcing = await start({ TRUSTED_DOCUMENTS: 'enforce' });
  replicaA = await start({});
  replicaB = await start({});
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await users?.stop();
  await db?.drop();
});

describe('trusted documents (TRUSTED_DOCUMENTS=enforce)', () => {
  it('runs a manifest operation named by its hash alone, or sent as its exact text', async () => {
    const byHash = await post(enforcing, { extensions: persisted(ME.id) });
    expect(byHash).toEqual({ status: 200, body: { data: { me: null } } });
    const byText = await post(enforcing, { query: ME.body });
    expect(byText).toEqual({ status: 200, body: { data: { me: null } } });
    const login = await post(enforcing, {
      extensions: persisted(LOGIN.id),
      variables: { input: { email: `${uniqueId('x')}@example.com`, password: 'Wrong-pass1' } },
    });
    expect(login.body.data!.login.errors[0].code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses any other operation before it runs: unknown text OPERATION_NOT_ALLOWED, unknown hash PERSISTED_QUERY_NOT_FOUND; nothing is stored', async () => {
    const email = `${uniqueId('untrusted')}@example.com`;
    const register = await post(enforcing, { query: REGISTER, variables: { input: { email, password: 'correct horse 42', name: 'Eve' } } });
    expect(register.status).toBe(400);
    expect(register.body).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'OPERATION_NOT_ALLOWED' } }] });
    // The same text through a replica without enforcement would have created the account; here it did not.
    const login = await post(replicaA, { query: LOGIN.body, variables: { input: { email, password: 'correct horse 42' } } });
    expect(login.body.data!.login.errors[0].code).toBe('INVALID_CREDENTIALS');

    const unknownHash = await post(enforcing, { extensions: persisted(sha256(REGISTER)), variables: {} });
    expect(unknownHash.status).toBe(400);
    expect(unknownHash.body.errors![0].extensions!.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    // A trusted hash with a different text runs the manifest's text, never the sent one.
    const swapped = await post(enforcing, {
      query: REGISTER,
      extensions: persisted(ME.id),
      variables: { input: { email, password: 'correct horse 42', name: 'Eve' } },
    });
    expect(swapped.body.data).toEqual({ me: null });
    // Whitespace matters: the hash is of the exact text.
    expect((await post(enforcing, { query: `${ME.body} ` })).body.errors![0].extensions!.code).toBe('OPERATION_NOT_ALLOWED');
  });

  it('refuses to load a manifest whose id is not the sha256 of its body', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'manifest-'));
    const file = path.join(dir, 'm.json');
    writeFileSync(
      file,
      JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: ME.id, name: 'Evil', body: REGISTER }] }),
    );
    expect(() => loadTrustedDocuments([file])).toThrow(/not the sha256/);
  });
});

describe('APQ shared by replicas (Redis)', () => {
  it('a document registered at one replica is found by hash at another; an unknown hash is PERSISTED_QUERY_NOT_FOUND', async () => {
    const query = `query Apq${uniqueId('q').replace(/\W/g, '')} { me { id } }`;
    const hash = sha256(query);
    const miss = await post(replicaB, { extensions: persisted(hash) });
    expect(miss.body.errors![0].extensions!.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await post(replicaA, { query, extensions: persisted(hash) });
    expect(registered.body).toEqual({ data: { me: null } });
    const hit = await post(replicaB, { extensions: persisted(hash) });
    expect(hit.body).toEqual({ data: { me: null } });
    // A hash that does not match its text is refused.
    const mismatch = await post(replicaA, { query: '{ me { email } }', extensions: persisted(hash) });
    expect(mismatch.status).toBe(400);
  });
});
