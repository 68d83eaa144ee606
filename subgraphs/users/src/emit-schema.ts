import 'reflect-metadata';
import { emitSubgraphSdl } from '@shopgraph/kit';
import { buildUsersSchema } from './schema';

/** Writes schema/users.graphql (run by `npm run compose`). */
emitSubgraphSdl('users', buildUsersSchema).then(
  (file) => console.log(`wrote ${file}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
