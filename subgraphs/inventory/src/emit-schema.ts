import 'reflect-metadata';
import { emitSubgraphSdl } from '@shopgraph/kit';
import { buildInventorySchema } from './schema';

/** Writes schema/inventory.graphql (run by `npm run compose`). */
emitSubgraphSdl('inventory', buildInventorySchema).then(
  (file) => console.log(`wrote ${file}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
