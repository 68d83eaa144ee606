import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeSupergraph } from './compose';

const root = path.resolve(__dirname, '../..');

describe('supergraph composition', () => {
  it('matches the committed schema/supergraph.graphql (run `npm run compose` after changing a subgraph)', () => {
    const { supergraphSdl } = composeSupergraph(path.join(root, 'supergraph.yaml'));
    expect(supergraphSdl).toEqual(readFileSync(path.join(root, 'schema/supergraph.graphql'), 'utf8'));
  });

  it('fails loudly, naming the conflict, when subgraphs do not compose', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
    writeFileSync(path.join(dir, 'a.graphql'), `${link}\ntype Query { thing: Thing }\ntype Thing { id: ID! }`);
    writeFileSync(path.join(dir, 'b.graphql'), `${link}\ntype Query { other: Thing }\ntype Thing { id: String! }`);
    writeFileSync(
      path.join(dir, 'supergraph.yaml'),
      'subgraphs:\n  a:\n    routing_url: http://a/graphql\n    schema:\n      file: ./a.graphql\n  b:\n    routing_url: http://b/graphql\n    schema:\n      file: ./b.graphql\n',
    );
    expect(() => composeSupergraph(path.join(dir, 'supergraph.yaml'))).toThrow(/Composition failed:[\s\S]*Thing/);
  });
});
