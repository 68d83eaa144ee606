import { buildSchema, getIntrospectionQuery, parse } from 'graphql';
import { assertWithinLimits, countTokens, defaultCostModel, measureDocument, parseWithinLimits, QueryTooComplexError, type ComplexityLimits } from './complexity';

const schema = buildSchema(`
  type Query { node: Node products(first: Int = 20, after: String): ProductConnection! product(id: ID): Product categories: [Category!]! }
  type Mutation { login(email: String): Boolean addAddress(line: String): Boolean }
  type Node { id: ID! child: Node }
  type ProductConnection { edges: [ProductEdge!]! totalCount: Int! }
  type ProductEdge { node: Product! }
  type Product { id: ID! name: String! tags: [String!]! category: Category reviews(first: Int = 20): ReviewConnection }
  type ReviewConnection { edges: [ReviewEdge!]! }
  type ReviewEdge { node: Review! }
  type Review { id: ID! author: Author }
  type Author { name: String }
  type Category { name: String products(first: Int = 20): ProductConnection! }
`);

const generous: ComplexityLimits = { maxDepth: 100, maxAliases: 1000, maxRootFields: 1000, maxTokens: 100000, maxDirectives: 1000, maxCost: 1e9 };
const measure = (query: string, variables?: Record<string, unknown>) => measureDocument(parse(query), schema, variables)[0];
const refusal = (query: string, limits: Partial<ComplexityLimits>, variables?: Record<string, unknown>): QueryTooComplexError | null => {
  try {
    assertWithinLimits(parse(query), schema, variables, { ...generous, ...limits });
    return null;
  } catch (error) {
    if (error instanceof QueryTooComplexError) return error;
    throw error;
  }
};
const nested = (depth: number) => `{ node { ${'child { '.repeat(depth - 2)}id${' }'.repeat(depth - 2)} } }`;

/** `query { ...F0 } fragment F0 on Query { ...F1 ...F1 } … fragment F<n-1> on Query { __typename }`: 2^(n-1) leaves when expanded. */
function doublingAttack(levels: number): string {
  const fragments = Array.from({ length: levels - 1 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  return `query { ...F0 } ${fragments.join(' ')} fragment F${levels - 1} on Query { __typename }`;
}

describe('operation limits (allowed at N, refused at N+1)', () => {
  it('depth', () => {
    expect(measure(nested(5)).depth).toBe(5);
    expect(refusal(nested(5), { maxDepth: 5 })).toBeNull();
    const error = refusal(nested(6), { maxDepth: 5 })!;
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth', measured: 6, allowed: 5 });
  });

  it('depth through fragments and inline fragments', () => {
    const query = `{ node { ...A } } fragment A on Node { child { ... on Node { ...B } } } fragment B on Node { child { child { id } } }`;
    expect(measure(query).depth).toBe(5);
    expect(refusal(query, { maxDepth: 5 })).toBeNull();
    expect(refusal(query, { maxDepth: 4 })?.extensions).toMatchObject({ limit: 'maxDepth', measured: 5, allowed: 4 });
  });

  it('aliases (counted per fragment spread)', () => {
    const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: node { id }`).join(' ')} }`;
    expect(refusal(aliased(3), { maxAliases: 3 })).toBeNull();
    expect(refusal(aliased(4), { maxAliases: 3 })?.extensions).toMatchObject({ limit: 'maxAliases', measured: 4, allowed: 3 });
    const viaFragment = `{ ...F ...F } fragment F on Query { a: node { id } b: node { id } }`;
    expect(measure(viaFragment).aliases).toBe(4);
  });

  it('root fields, aliases included', () => {
    const logins = (n: number) => `mutation { ${Array.from({ length: n }, (_, i) => `l${i}: login(email: "x")`).join(' ')} }`;
    expect(refusal(logins(20), { maxRootFields: 20 })).toBeNull();
    expect(refusal(logins(21), { maxRootFields: 20 })?.extensions).toMatchObject({ limit: 'maxRootFields', measured: 21, allowed: 20 });
    expect(measure(logins(20)).rootFieldCounts.get('login')).toBe(20);
    const spread = `mutation { ...M ...M } fragment M on Mutation { login addAddress }`;
    expect(measure(spread).rootFieldCounts).toEqual(new Map([['login', 2], ['addAddress', 2]]));
  });

  it('directives', () => {
    const withDirectives = (n: number) => `query($t: Boolean!) { node { ${Array.from({ length: n }, (_, i) => `f${i}: id @include(if: $t)`).join(' ')} } }`;
    expect(refusal(withDirectives(4), { maxDirectives: 4 }, { t: true })).toBeNull();
    expect(refusal(withDirectives(5), { maxDirectives: 4 }, { t: true })?.extensions).toMatchObject({ limit: 'maxDirectives', measured: 5, allowed: 4 });
  });

  it('tokens, as graphql parse counts them', () => {
    const query = '{ node { id } }'; // { node { id } } = 6 tokens
    expect(countTokens(query)).toBe(6);
    expect(parseWithinLimits(query, { maxTokens: 6 }, parse)).toBeDefined();
    let error: unknown;
    try {
      parseWithinLimits(`${query} # a comment is not a token`, { maxTokens: 5 }, parse);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QueryTooComplexError);
    expect((error as QueryTooComplexError).extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'maxTokens', measured: 6, allowed: 5 });
    // Other syntax errors stay syntax errors.
    expect(() => parseWithinLimits('{ node {', { maxTokens: 100 }, parse)).toThrow(/Syntax Error/);
  });

  it('cost: a list field costs its `first` times its selection; connections size their edges', () => {
    // products 1 + 10 × (edges 1 + node 1 + category 1) = 31
    const listing = (n: number) => `{ products(first: ${n}) { totalCount edges { node { id name tags category { name } } } } }`;
    expect(measure(listing(10)).cost).toBe(31);
    expect(refusal(listing(10), { maxCost: 31 })).toBeNull();
    expect(refusal(listing(11), { maxCost: 31 })?.extensions).toMatchObject({ limit: 'maxCost', measured: 34, allowed: 31 });
    // A variable sizes the list; without a value the argument's default (20) applies.
    expect(measure('query($n: Int) { products(first: $n) { edges { node { id } } } }', { n: 5 }).cost).toBe(11);
    expect(measure('query($n: Int) { products(first: $n) { edges { node { id } } } }').cost).toBe(41);
    expect(measure('{ products { edges { node { id } } } }').cost).toBe(41);
    // Nested lists multiply: 1 + 10 × (1 + 1 + (1 + 5 × (1 + 1 + 1))) = 181
    expect(measure('{ products(first: 10) { edges { node { reviews(first: 5) { edges { node { author { name } } } } } } } }').cost).toBe(181);
    // A list without a slicing argument counts the assumed size: 1 × 10 categories × (1 + 0)
    expect(measure('{ categories { name } }').cost).toBe(defaultCostModel.assumedListSize);
    // Mutations add their per-field cost.
    expect(measure('mutation { a: login b: login }').cost).toBe(2 * defaultCostModel.mutationCost);
  });

  it('the 500-alias listing attack is refused on cost and aliases', () => {
    const attack = `{ ${Array.from({ length: 500 }, (_, i) => `p${i}: products(first: 100) { edges { node { id name } } }`).join(' ')} }`;
    expect(measure(attack).cost).toBe(500 * (1 + 100 * 2));
    expect(refusal(attack, { maxCost: 5000 })?.extensions).toMatchObject({ limit: 'maxCost', allowed: 5000 });
  });

  it('the standard introspection query passes the default limits (development tooling)', () => {
    const defaults: ComplexityLimits = { maxDepth: 12, maxAliases: 30, maxRootFields: 20, maxTokens: 3000, maxDirectives: 50, maxCost: 5000 };
    expect(countTokens(getIntrospectionQuery())).toBeLessThan(defaults.maxTokens);
    expect(() => assertWithinLimits(parse(getIntrospectionQuery()), schema, {}, defaults)).not.toThrow();
  });
});

describe('fragment doubling attack', () => {
  it.each([20, 30])('%i levels are measured in milliseconds and refused', (levels) => {
    const query = doublingAttack(levels);
    expect(query.length).toBeLessThan(1200);
    const started = performance.now();
    const measured = measure(query);
    const error = refusal(query, { maxAliases: 30, maxRootFields: 20 });
    const elapsed = performance.now() - started;
    // Expanded, the operation selects 2^(levels-1) root fields; the old rule took ~0.8 s at 20 levels and doubled per level.
    expect(measured.rootFields).toBe(2 ** (levels - 1));
    expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'maxRootFields', measured: 2 ** (levels - 1), allowed: 20 });
    expect(elapsed).toBeLessThan(100);
  });

  it('fragment cycles and unknown fragments count as empty (validation refuses them later)', () => {
    expect(measure('{ ...A } fragment A on Query { node { id } ...B } fragment B on Query { ...A ...Missing }').depth).toBe(2);
  });
});
