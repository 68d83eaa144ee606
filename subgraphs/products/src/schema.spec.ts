import { printFederatedSdl, readCommittedSdl } from '@shopgraph/kit';
import { buildProductsSchema } from './schema';

describe('products schema', () => {
  it('matches the committed schema/products.graphql', async () => {
    const current = printFederatedSdl(await buildProductsSchema()).split('\n');
    const committed = readCommittedSdl('products').split('\n');
    const line = current.findIndex((text, i) => text !== committed[i]);
    if (line !== -1 || current.length !== committed.length) {
      const at = line === -1 ? Math.min(current.length, committed.length) : line;
      throw new Error(
        `schema/products.graphql is out of date with the code (first difference at line ${at + 1}: ` +
          `committed ${JSON.stringify(committed[at])}, code ${JSON.stringify(current[at])}). Run \`npm run compose\` and commit the result.`,
      );
    }
    const sdl = current.join('\n');
    expect(sdl).toMatch(/type Product\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Category\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type ProductConnection\s+@shareable/);
    expect(sdl).toMatch(/type ProductEdge\s+@shareable/);
  });
});
