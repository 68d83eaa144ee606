import 'reflect-metadata';
import { emitSubgraphSdl } from '@shopgraph/kit';
import { buildOrdersSchema } from './schema';

/** Writes schema/orders.graphql (run by `npm run compose`). */
emitSubgraphSdl('orders', buildOrdersSchema).then(
  (file) => console.log(`wrote ${file}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
