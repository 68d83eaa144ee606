import { buildSchema, parse } from 'graphql';
import { findForbiddenText, hasForbiddenCharacters, inputTextPlugin } from './input-text';

const schema = buildSchema(`
  input AddressInput { recipient: String! line2: String }
  input ReviewInput { title: String! body: String! rating: Int! }
  input OrderInput { idempotencyKey: String! address: AddressInput! lines: [LineInput!] }
  input LineInput { productId: ID! quantity: Int! }
  type Query { search(text: String, ids: [ID!]): Int note(text: String): Int }
  type Mutation { review(input: ReviewInput!): Int order(input: OrderInput!): Int }
`);
const multiline = new Set(['ReviewInput.body', 'Query.note(text:)']);
const check = (query: string, variables?: Record<string, unknown>) => findForbiddenText(schema, parse(query), variables, multiline);

describe('hasForbiddenCharacters', () => {
  it.each([
    ['NUL', 'a\u0000b'],
    ['bell', 'a\u0007'],
    ['escape', '\u001b[31m'],
    ['DEL', 'x\u007f'],
    ['C1 next line', 'x\u0085'],
    ['line feed', 'a\nb'],
    ['tab', 'a\tb'],
    ['lone high surrogate', 'a\uD800b'],
    ['lone low surrogate', '\uDC00'],
  ])('refuses %s in single-line text', (_name, value) => {
    expect(hasForbiddenCharacters(value)).toBe(true);
  });

  it('keeps line feed, carriage return and tab in multi-line text, and nothing else', () => {
    expect(hasForbiddenCharacters('line one\r\nline two\tend', true)).toBe(false);
    expect(hasForbiddenCharacters('a\u0000b', true)).toBe(true);
    expect(hasForbiddenCharacters('a\u000bb', true)).toBe(true);
  });

  it('accepts ordinary and non-Latin text, emoji included', () => {
    expect(hasForbiddenCharacters("Zoë O'Brien — Straße 5, 東京 🚀")).toBe(false);
  });
});

describe('findForbiddenText', () => {
  it('finds a NUL in a variable inside a nested input object, with its path', () => {
    const error = check('mutation($i: OrderInput!) { order(input: $i) }', {
      i: { idempotencyKey: 'k1', address: { recipient: 'Ann\u0000', line2: null }, lines: [] },
    });
    expect(error?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'address', 'recipient'] });
  });

  it('finds one in a literal argument, a list element and an idempotency key', () => {
    expect(check('{ search(text: "a\\u0000") }')?.extensions.field).toEqual(['text']);
    expect(check('{ search(ids: ["1", "2\\u0001"]) }')?.extensions.field).toEqual(['ids', '1']);
    expect(
      check('mutation { order(input: { idempotencyKey: "k\\n", address: { recipient: "A" } }) }')?.extensions.field,
    ).toEqual(['input', 'idempotencyKey']);
  });

  it('finds one in a scalar variable used as an argument and in a list variable', () => {
    expect(check('query($t: String) { search(text: $t) }', { t: '\u0000' })?.extensions.field).toEqual(['text']);
    expect(check('query($ids: [ID!]) { search(ids: $ids) }', { ids: ['ok', 'x\u0002'] })?.extensions.field).toEqual(['ids', '1']);
  });

  it('finds one inside a fragment', () => {
    expect(check('query { ...F } fragment F on Query { search(text: "\\u0000") }')).not.toBeNull();
  });

  it('lets review bodies and listed arguments span lines but not carry other controls', () => {
    const review = (body: string) => check('mutation($i: ReviewInput!) { review(input: $i) }', { i: { title: 'T', body, rating: 5 } });
    expect(review('Great.\n\nWould buy\tagain.\r\n')).toBeNull();
    expect(review('bad\u0000')?.extensions.field).toEqual(['input', 'body']);
    expect(check('mutation($i: ReviewInput!) { review(input: $i) }', { i: { title: 'T\n', body: 'b', rating: 5 } })?.extensions.field).toEqual([
      'input',
      'title',
    ]);
    expect(check('{ note(text: "a\\nb") }')).toBeNull();
    expect(check('{ search(text: "a\\nb") }')).not.toBeNull();
  });

  it('passes clean operations', () => {
    expect(
      check('mutation($i: OrderInput!) { order(input: $i) }', {
        i: { idempotencyKey: 'k1', address: { recipient: 'Zoë 東京' }, lines: [{ productId: 'p1', quantity: 2 }] },
      }),
    ).toBeNull();
  });
});

describe('inputTextPlugin', () => {
  it('refuses to start with a multi-line coordinate the schema does not have', () => {
    expect(() => inputTextPlugin(schema, ['ReviewInput.text'])).toThrow(/ReviewInput.text/);
    expect(() => inputTextPlugin(schema, ['Query.note(body:)'])).toThrow(/Query.note\(body:\)/);
    expect(() => inputTextPlugin(schema, ['ReviewInput.body', 'Query.note(text:)'])).not.toThrow();
  });
});
