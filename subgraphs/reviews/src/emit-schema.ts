import 'reflect-metadata';
import { emitSubgraphSdl } from '@shopgraph/kit';
import { buildReviewsSchema } from './schema';

/** Writes schema/reviews.graphql (run by `npm run compose`). */
emitSubgraphSdl('reviews', buildReviewsSchema).then(
  (file) => console.log(`wrote ${file}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
