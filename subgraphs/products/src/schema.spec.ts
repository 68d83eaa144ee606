import { describeCommittedSchema } from '@shopgraph/service';
import { buildProductsSchema } from './schema';

describeCommittedSchema('products', buildProductsSchema, [
  /type Product\s+@key\(fields: "id"\)/,
  /type Category\s+@key\(fields: "id"\)/,
  /type ProductConnection\s+@shareable/,
  /type ProductEdge\s+@shareable/,
]);
