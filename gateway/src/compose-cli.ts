import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { composeSupergraph } from './compose';

// `npm run compose`'s last step: schema/*.graphql (already emitted) -> schema/supergraph.graphql.
const root = path.resolve(__dirname, '../..');
try {
  const { supergraphSdl, hints } = composeSupergraph(path.join(root, 'supergraph.yaml'));
  for (const hint of hints) console.log(`[compose] hint: ${hint}`);
  writeFileSync(path.join(root, 'schema/supergraph.graphql'), supergraphSdl);
  console.log('[compose] wrote schema/supergraph.graphql');
} catch (error) {
  console.error(`[compose] ${(error as Error).message}`);
  process.exit(1);
}
