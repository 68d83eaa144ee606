import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, findBreakingChanges, findDangerousChanges, parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { readSupergraphConfig } from './compose';

const root = path.resolve(__dirname, '../..');
// schema/api-contract.graphql is the client contract of the design documents, kept in the repo so
// that this check runs wherever the repo does.
const contractFile = path.join(root, 'schema/api-contract.graphql');

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
    const contract = buildSchema(readFileSync(contractFile, 'utf8'));
    expect(findBreakingChanges(contract, api).map((c) => c.description)).toEqual([]);
    expect(findDangerousChanges(contract, api).map((c) => c.description)).toEqual([]);
  });

  it('keeps its in-repo copy equal to the design documents where they sit beside the repo', () => {
    const shared = path.join(root, '../shared/api-contract.graphql');
    const copy = readFileSync(contractFile, 'utf8');
    expect(copy).toContain('type Query');
    if (existsSync(shared)) expect(copy).toEqual(readFileSync(shared, 'utf8'));
  });
});
