import 'reflect-metadata';
import { emitSubgraphSdl } from '@shopgraph/kit';
import { buildPaymentsSchema } from './schema';

/** Writes schema/payments.graphql (run by `npm run compose`). */
emitSubgraphSdl('payments', buildPaymentsSchema).then(
  (file) => console.log(`wrote ${file}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
