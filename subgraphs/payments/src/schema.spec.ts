import { printFederatedSdl, readCommittedSdl } from '@shopgraph/kit';
import { buildPaymentsSchema } from './schema';

describe('payments schema', () => {
  it('matches the committed schema/payments.graphql', async () => {
    const current = printFederatedSdl(await buildPaymentsSchema()).split('\n');
    const committed = readCommittedSdl('payments').split('\n');
    const line = current.findIndex((text, i) => text !== committed[i]);
    if (line !== -1 || current.length !== committed.length) {
      const at = line === -1 ? Math.min(current.length, committed.length) : line;
      throw new Error(
        `schema/payments.graphql is out of date with the code (first difference at line ${at + 1}: ` +
          `committed ${JSON.stringify(committed[at])}, code ${JSON.stringify(current[at])}). Run \`npm run compose\` and commit the result.`,
      );
    }
    expect(current.join('\n')).toMatch(/type Payment\s+@key\(fields: "id"\)/);
  });
});
