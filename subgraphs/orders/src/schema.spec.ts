import { printFederatedSdl, readCommittedSdl } from '@shopgraph/kit';
import { buildOrdersSchema } from './schema';

describe('orders schema', () => {
  it('matches the committed schema/orders.graphql', async () => {
    const current = printFederatedSdl(await buildOrdersSchema()).split('\n');
    const committed = readCommittedSdl('orders').split('\n');
    const line = current.findIndex((text, i) => text !== committed[i]);
    if (line !== -1 || current.length !== committed.length) {
      const at = line === -1 ? Math.min(current.length, committed.length) : line;
      throw new Error(
        `schema/orders.graphql is out of date with the code (first difference at line ${at + 1}: ` +
          `committed ${JSON.stringify(committed[at])}, code ${JSON.stringify(current[at])}). Run \`npm run compose\` and commit the result.`,
      );
    }
    expect(current.join('\n')).toMatch(/type Order\s+@key\(fields: "id"\)/);
  });
});
