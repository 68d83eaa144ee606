import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { printFederatedSdl } from './federation';

/** The repository's schema/ folder, where every subgraph's SDL is committed. */
export const SCHEMA_DIR = path.resolve(__dirname, '../../../schema');

/** Path of a subgraph's committed SDL: schema/<name>.graphql. */
export const subgraphSdlPath = (name: string) => path.join(SCHEMA_DIR, `${name}.graphql`);

/** Writes a subgraph's SDL to schema/<name>.graphql (used by `npm run compose`). */
export async function emitSubgraphSdl(name: string, build: () => Promise<GraphQLSchema>): Promise<string> {
  const file = subgraphSdlPath(name);
  writeFileSync(file, printFederatedSdl(await build()));
  return file;
}

/** The committed SDL of a subgraph, for the drift test. */
export function readCommittedSdl(name: string): string {
  return readFileSync(subgraphSdlPath(name), 'utf8');
}
