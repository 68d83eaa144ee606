import 'reflect-metadata';
import { emitSubgraphSdl } from '@shopgraph/kit';
import { buildProductsSchema } from './schema';

/** Writes schema/products.graphql (run by `npm run compose`). */
emitSubgraphSdl('products', buildProductsSchema).then(
  (file) => console.log(`wrote ${file}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
