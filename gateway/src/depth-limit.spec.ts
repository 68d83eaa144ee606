import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { depthLimit } from './depth-limit';

const schema = buildSchema(`
  type Query { node: Node }
  type Node { id: ID! child: Node }
`);

const nested = (depth: number) => `{ ${'node { '.repeat(1)}${'child { '.repeat(depth - 2)}id${' }'.repeat(depth - 1)} }`;

describe('depthLimit', () => {
  it('accepts an operation at the limit and refuses one beyond it', () => {
    expect(validate(schema, parse(nested(4)), [...specifiedRules, depthLimit(4)])).toEqual([]);
    const errors = validate(schema, parse(nested(5)), [...specifiedRules, depthLimit(4)]);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/deeper than the limit of 4/);
  });

  it('follows fragments, so they cannot hide depth', () => {
    const doc = parse(`
      { node { ...A } }
      fragment A on Node { child { ...B } }
      fragment B on Node { child { child { id } } }
    `);
    expect(validate(schema, doc, [depthLimit(4)])).toHaveLength(1);
    expect(validate(schema, doc, [depthLimit(5)])).toHaveLength(0);
  });
});
