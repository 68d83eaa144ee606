import { demoUsers } from '@shopgraph/demo-data';
import { randomUUID } from 'node:crypto';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { seedUsers } from '../src/seed';
import { adminViewer, registerCustomer, startUsersSubgraph, type TestUsersSubgraph } from './fixtures/users-subgraph';

const ENTITIES = `
  query Entities($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on User { id name email } }
  }`;
const ADD_ADDRESS = `
  mutation Add($input: AddressInput!) {
    addAddress(input: $input) { address { id country isDefault line2 } errors { code field } }
  }`;
const REMOVE_ADDRESS = `
  mutation Remove($id: ID!) { removeAddress(id: $id) { address { id } errors { code field } } }`;
const USERS = `
  query Users($first: Int, $after: String) {
    users(first: $first, after: $after) { totalCount edges { cursor node { id email } } pageInfo { hasNextPage hasPreviousPage endCursor } }
  }`;

const homeAddress = { recipient: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', postalCode: 'SW1Y 4JH', country: 'gb' };

/** A TypeORM logger that records every SQL statement the subgraph runs. */
class QueryRecorder implements TypeOrmLogger {
  readonly queries: string[] = [];
  logQuery(query: string) {
    this.queries.push(query);
  }
  logQueryError() {}
  logQuerySlow() {}
  logSchemaBuild() {}
  logMigration() {}
  log() {}
}

describe('users subgraph: users, addresses and entities', () => {
  let subgraph: TestUsersSubgraph;

  beforeAll(async () => {
    subgraph = await startUsersSubgraph();
  });
  afterAll(async () => {
    await subgraph?.stop();
  });

  it('resolves N User references with ONE query on the users table, malformed ids as null', async () => {
    const accounts = await Promise.all([registerCustomer(subgraph), registerCustomer(subgraph), registerCustomer(subgraph)]);
    const recorder = new QueryRecorder();
    subgraph.service.dataSource.setOptions({ logger: recorder });
    const res = await subgraph.call(
      ENTITIES,
      { representations: [...accounts.map((a) => ({ __typename: 'User', id: a.user.id })), { __typename: 'User', id: 'not-a-uuid' }] },
      adminViewer(),
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!._entities).toEqual([...accounts.map((a) => ({ id: a.user.id, name: a.user.name, email: a.email })), null]);
    expect(recorder.queries.filter((q) => /from "users"/i.test(q))).toHaveLength(1);
  });

  it("refuses another user's addresses through _entities with FORBIDDEN; the user and an ADMIN see them", async () => {
    const [alice, bob] = await Promise.all([registerCustomer(subgraph, 'Alice'), registerCustomer(subgraph, 'Bob')]);
    expect((await subgraph.call(ADD_ADDRESS, { input: homeAddress }, bob.viewer)).body.data!.addAddress.errors).toEqual([]);
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id addresses { line1 postalCode } } } }`;
    const r = [{ __typename: 'User', id: bob.user.id }];
    const stranger = await subgraph.call(query, { r }, alice.viewer);
    expect(stranger.body.errors).toEqual([expect.objectContaining({ path: ['_entities', 0, 'addresses'], extensions: { code: 'FORBIDDEN' } })]);
    expect(stranger.text).not.toContain(homeAddress.line1);
    expect((await subgraph.call(query, { r }, null)).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    for (const viewer of [bob.viewer, adminViewer()]) {
      const res = await subgraph.call(query, { r }, viewer);
      expect(res.body).toEqual({ data: { _entities: [{ id: bob.user.id, addresses: [{ line1: homeAddress.line1, postalCode: homeAddress.postalCode }] }] } });
    }
  });

  it('refuses NUL and other control characters in names and addresses with INVALID_INPUT, storing nothing', async () => {
    const alice = await registerCustomer(subgraph, 'Alice');
    const register = await subgraph.call(
      `mutation($input: RegisterInput!) { register(input: $input) { user { id } errors { code } } }`,
      { input: { email: `nul-${randomUUID()}@example.com`, name: 'Eve\u0000', password: 'correct horse battery' } },
    );
    expect(register.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'INVALID_INPUT', field: ['input', 'name'] } })]);
    for (const [change, field] of [
      [{ recipient: 'Ada\u0000' }, 'recipient'],
      [{ line1: '12 St James\nSq' }, 'line1'],
      [{ city: 'Lon\u0007don' }, 'city'],
      [{ label: 'Home\u009b' }, 'label'],
    ] as const) {
      const res = await subgraph.call(ADD_ADDRESS, { input: { ...homeAddress, ...change } }, alice.viewer);
      expect(res.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'INVALID_INPUT', field: ['input', field] } })]);
      expect(res.text).not.toMatch(/stack|invalid byte sequence/);
    }
    const update = await subgraph.call(`mutation { updateProfile(input: { name: "Al\\u0000ice" }) { user { name } } }`, {}, alice.viewer);
    expect(update.body.errors?.[0].extensions).toEqual({ code: 'INVALID_INPUT', field: ['input', 'name'] });
    expect(await subgraph.service.dataSource.query('SELECT count(*)::int AS n FROM addresses WHERE user_id = $1', [alice.user.id])).toEqual([{ n: 0 }]);
  });

  it("refuses another user's email with FORBIDDEN on that field, but shows the rest", async () => {
    const [alice, bob] = await Promise.all([registerCustomer(subgraph, 'Alice'), registerCustomer(subgraph, 'Bob')]);
    const res = await subgraph.call(ENTITIES, { representations: [{ __typename: 'User', id: bob.user.id }] }, alice.viewer);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: ['_entities', 0, 'email'], extensions: { code: 'FORBIDDEN' } })]);
    const own = await subgraph.call(`{ _entities(representations: [{ __typename: "User", id: "${alice.user.id}" }]) { ... on User { email } } }`, {}, alice.viewer);
    expect(own.body).toEqual({ data: { _entities: [{ email: alice.email }] } });
    const name = await subgraph.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { name } } }`, { r: [{ __typename: 'User', id: bob.user.id }] }, alice.viewer);
    expect(name.body).toEqual({ data: { _entities: [{ name: 'Bob' }] } });
  });

  it('keeps users and user(id) for ADMINs: CUSTOMER gets FORBIDDEN, anonymous UNAUTHENTICATED', async () => {
    const customer = await registerCustomer(subgraph);
    const asCustomer = await subgraph.call(USERS, {}, customer.viewer);
    expect(asCustomer.body.errors?.[0].extensions).toEqual({ code: 'FORBIDDEN' });
    const anonymous = await subgraph.call(`query($id: ID!) { user(id: $id) { id } }`, { id: customer.user.id });
    expect(anonymous.body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    const asAdmin = await subgraph.call(`query($id: ID!) { user(id: $id) { id email } }`, { id: customer.user.id }, adminViewer());
    expect(asAdmin.body.data!.user).toEqual({ id: customer.user.id, email: customer.email });
  });

  it('pages through all users in creation order without gaps or repeats', async () => {
    await Promise.all([registerCustomer(subgraph), registerCustomer(subgraph), registerCustomer(subgraph)]);
    const admin = adminViewer();
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (let page = 0; page < 50; page += 1) {
      const res = await subgraph.call(USERS, { first: 2, after }, admin);
      const connection = res.body.data!.users;
      total = connection.totalCount;
      seen.push(...connection.edges.map((e: { node: { id: string } }) => e.node.id));
      expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(total).toBeGreaterThanOrEqual(3);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    const forged = await subgraph.call(USERS, { after: 'forged' }, admin);
    expect(forged.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('manages the own address book: validation, one default, and NOT_FOUND for somebody else\'s address', async () => {
    const [owner, stranger] = await Promise.all([registerCustomer(subgraph), registerCustomer(subgraph)]);
    const anonymous = await subgraph.call(ADD_ADDRESS, { input: homeAddress });
    expect(anonymous.body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });

    const invalid = await subgraph.call(ADD_ADDRESS, { input: { ...homeAddress, country: 'XX', line1: ' ' } }, owner.viewer);
    expect(invalid.body.data!.addAddress).toEqual({
      address: null,
      errors: [
        { code: 'INVALID_INPUT', field: ['input', 'line1'] },
        { code: 'INVALID_INPUT', field: ['input', 'country'] },
      ],
    });

    const first = (await subgraph.call(ADD_ADDRESS, { input: { ...homeAddress, line2: '' } }, owner.viewer)).body.data!.addAddress;
    expect(first).toMatchObject({ address: { country: 'GB', isDefault: true, line2: null }, errors: [] });
    const second = (await subgraph.call(ADD_ADDRESS, { input: { ...homeAddress, isDefault: true } }, owner.viewer)).body.data!.addAddress;
    expect(second.address.isDefault).toBe(true);
    const book = await subgraph.call(`{ me { addresses { id isDefault } } }`, {}, owner.viewer);
    expect(book.body.data!.me.addresses).toEqual([
      { id: first.address.id, isDefault: false },
      { id: second.address.id, isDefault: true },
    ]);

    const theft = await subgraph.call(REMOVE_ADDRESS, { id: first.address.id }, stranger.viewer);
    expect(theft.body.data!.removeAddress).toEqual({ address: null, errors: [{ code: 'NOT_FOUND', field: ['id'] }] });
    const peek = await subgraph.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { addresses { id } } } }`, { r: [{ __typename: 'User', id: owner.user.id }] }, stranger.viewer);
    expect(peek.body.errors?.[0]).toMatchObject({ path: ['_entities', 0, 'addresses'], extensions: { code: 'FORBIDDEN' } });

    const removed = await subgraph.call(REMOVE_ADDRESS, { id: first.address.id }, owner.viewer);
    expect(removed.body.data!.removeAddress).toEqual({ address: { id: first.address.id }, errors: [] });
    const malformed = await subgraph.call(REMOVE_ADDRESS, { id: 'nope' }, owner.viewer);
    expect(malformed.body.data!.removeAddress.errors[0].code).toBe('NOT_FOUND');
  });

  it('updates the own profile and lets only ADMINs change roles', async () => {
    const customer = await registerCustomer(subgraph);
    const anonymous = await subgraph.call(`mutation { updateProfile(input: { name: "X" }) { user { id } } }`);
    expect(anonymous.body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    const renamed = await subgraph.call(`mutation { updateProfile(input: { name: "  Grace  " }) { user { name } errors { code } } }`, {}, customer.viewer);
    expect(renamed.body.data!.updateProfile).toEqual({ user: { name: 'Grace' }, errors: [] });
    const blank = await subgraph.call(`mutation { updateProfile(input: { name: " " }) { user { name } errors { code field } } }`, {}, customer.viewer);
    expect(blank.body.data!.updateProfile).toEqual({ user: null, errors: [{ code: 'INVALID_INPUT', field: ['input', 'name'] }] });

    const SET_ROLE = `mutation($id: ID!) { setUserRole(userId: $id, role: ADMIN) { user { id role } errors { code field } } }`;
    const selfPromotion = await subgraph.call(SET_ROLE, { id: customer.user.id }, customer.viewer);
    expect(selfPromotion.body.errors?.[0].extensions).toEqual({ code: 'FORBIDDEN' });
    const promoted = await subgraph.call(SET_ROLE, { id: customer.user.id }, adminViewer());
    expect(promoted.body.data!.setUserRole).toEqual({ user: { id: customer.user.id, role: 'ADMIN' }, errors: [] });
    const missing = await subgraph.call(SET_ROLE, { id: randomUUID() }, adminViewer());
    expect(missing.body.data!.setUserRole).toEqual({ user: null, errors: [{ code: 'NOT_FOUND', field: ['userId'] }] });

    // The new role is carried by the next access token.
    const login = await subgraph.call(
      `mutation($input: LoginInput!) { login(input: $input) { user { role } } }`,
      { input: { email: customer.email, password: customer.password } },
    );
    expect(login.body.data!.login.user.role).toBe('ADMIN');
  });

  it('seeds the demo accounts once, and they can sign in', async () => {
    const first = await seedUsers(subgraph.service.dataSource);
    const again = await seedUsers(subgraph.service.dataSource);
    expect(first.created).toEqual(demoUsers.map((u) => u.email));
    expect(first.created).toContain('admin@shopgraph.local');
    expect(again).toEqual({ created: [], existing: first.created });
    const login = await subgraph.call(
      `mutation($input: LoginInput!) { login(input: $input) { user { role addresses { country isDefault } } errors { code } } }`,
      { input: { email: 'admin@shopgraph.local', password: 'Admin123!shop' } },
    );
    expect(login.body.data!.login).toEqual({ user: { role: 'ADMIN', addresses: [{ country: 'US', isDefault: true }] }, errors: [] });
  });

  it('reports ready when PostgreSQL answers (Redis only counts login attempts, Kafka only carries the outbox: neither is a readiness check)', async () => {
    const res = await fetch(`${subgraph.origin}/health/ready`);
    expect(res.status).toBe(200);
    // kafka and outboxListener are degraded-only checks: listed, but their failure keeps users ready.
    expect(((await res.json()) as { checks: unknown }).checks).toEqual({ postgres: 'ok', kafka: 'ok', outboxListener: 'ok' });
  });
});
