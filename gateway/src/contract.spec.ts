import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, extendSchema, findBreakingChanges, findDangerousChanges, Kind, parse, type DefinitionNode, type DocumentNode, type GraphQLEnumType, type GraphQLSchema } from 'graphql';
import { composeServices } from '@apollo/composition';
import { readSupergraphConfig } from './compose';

const root = path.resolve(__dirname, '../..');
// schema/api-contract.graphql is the client contract of the design documents, kept in the repo so
// that this check runs wherever the repo does.
const contractFile = path.join(root, 'schema/api-contract.graphql');

/**
 * The next public API (../shared/api-next, copied to schema/api-next) as far as it has been built.
 * A whole file once its issue has landed; until then only the parts that have: `Type` (a type or
 * extension of that name) or `Type.member` (one field or enum value of an extension). The composed
 * API is checked against the base contract plus all of this.
 */
const landed: { file: string; only?: string[] }[] = [
  // issue 19: timeouts cancel an order TIMED_OUT.
  { file: 'fulfilment.graphql', only: ['CancellationReason.TIMED_OUT'] },
];

type Named = DefinitionNode & { name: { value: string }; fields?: readonly { name: { value: string } }[]; values?: readonly { name: { value: string } }[] };

/** The definitions of `doc` selected by `only`; throws when a selected name is not in the file. */
function selectLanded(doc: DocumentNode, file: string, only?: string[]): DefinitionNode[] {
  if (!only) return [...doc.definitions];
  const picked: DefinitionNode[] = [];
  for (const entry of only) {
    const [type, member] = entry.split('.');
    const defs = doc.definitions.filter((d) => (d as Named).name?.value === type) as Named[];
    if (!member) {
      if (defs.length === 0) throw new Error(`${file} has no ${type}`);
      picked.push(...defs);
      continue;
    }
    const def = defs.find((d) => (d.kind === Kind.ENUM_TYPE_EXTENSION ? d.values : d.fields)?.some((m) => m.name.value === member));
    if (!def) throw new Error(`${file} has no ${entry}`);
    picked.push(
      def.kind === Kind.ENUM_TYPE_EXTENSION
        ? ({ ...def, values: def.values!.filter((v) => v.name.value === member) } as unknown as DefinitionNode)
        : ({ ...def, fields: def.fields!.filter((f) => f.name.value === member) } as unknown as DefinitionNode),
    );
  }
  return picked;
}

/** The base contract extended with what has landed of the next API. */
function landedContract(): GraphQLSchema {
  let schema = buildSchema(readFileSync(contractFile, 'utf8'));
  for (const { file, only } of landed) {
    const doc = parse(readFileSync(path.join(root, 'schema/api-next', file), 'utf8'));
    schema = extendSchema(schema, { kind: Kind.DOCUMENT, definitions: selectLanded(doc, file, only) });
  }
  return schema;
}

describe('public API contract', () => {
  it('is what the composed supergraph serves: nothing the clients rely on is missing or changed', () => {
    const services = readSupergraphConfig(path.join(root, 'supergraph.yaml')).map((s) => ({
      name: s.name,
      url: s.routingUrl,
      typeDefs: parse(readFileSync(s.schemaFile, 'utf8')),
    }));
    const composed = composeServices(services);
    expect(composed.errors).toBeUndefined();
    const api = composed.schema!.toAPISchema().toGraphQLJSSchema();
    const contract = landedContract();
    expect(findBreakingChanges(contract, api).map((c) => c.description)).toEqual([]);
    expect(findDangerousChanges(contract, api).map((c) => c.description)).toEqual([]);
  });

  it('keeps its in-repo copy equal to the design documents where they sit beside the repo', () => {
    const shared = path.join(root, '../shared/api-contract.graphql');
    const copy = readFileSync(contractFile, 'utf8');
    expect(copy).toContain('type Query');
    if (existsSync(shared)) expect(copy).toEqual(readFileSync(shared, 'utf8'));
  });

  it('includes what has landed of the next API (schema/api-next), its copies equal to the design documents', () => {
    const contract = landedContract();
    expect((contract.getType('CancellationReason') as GraphQLEnumType).getValues().map((v) => v.name)).toContain('TIMED_OUT');
    for (const { file } of landed) {
      const shared = path.join(root, '../shared/api-next', file);
      if (existsSync(shared)) expect(readFileSync(path.join(root, 'schema/api-next', file), 'utf8')).toEqual(readFileSync(shared, 'utf8'));
    }
    // A selection naming something the file does not have is an error, not a silent no-op.
    expect(() => selectLanded(parse('extend enum CancellationReason { TIMED_OUT }'), 'x.graphql', ['CancellationReason.NOPE'])).toThrow('x.graphql has no CancellationReason.NOPE');
  });
});
