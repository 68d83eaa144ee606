import { printFederatedSdl, readCommittedSdl } from '@shopgraph/kit';
import { buildInventorySchema } from './schema';

describe('inventory schema', () => {
  it('matches the committed schema/inventory.graphql', async () => {
    const current = printFederatedSdl(await buildInventorySchema()).split('\n');
    const committed = readCommittedSdl('inventory').split('\n');
    const line = current.findIndex((text, i) => text !== committed[i]);
    if (line !== -1 || current.length !== committed.length) {
      const at = line === -1 ? Math.min(current.length, committed.length) : line;
      throw new Error(
        `schema/inventory.graphql is out of date with the code (first difference at line ${at + 1}: ` +
          `committed ${JSON.stringify(committed[at])}, code ${JSON.stringify(current[at])}). Run \`npm run compose\` and commit the result.`,
      );
    }
    expect(current.join('\n')).toMatch(/type Product\s+@key\(fields: "id"\)/);
  });
});
