import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '@shopgraph/kit';
import type { InventoryContext } from './context';
import { StockResolver } from './resolvers/stock.resolver';
import { Product } from './types/product.type';
import { ProductVariant } from './types/product-variant.type';

/** The inventory subgraph schema; `Product` references resolve through the per-request batching loader. */
export function buildInventorySchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [StockResolver], orphanedTypes: [Product, ProductVariant] },
    {
      Product: {
        __resolveReference: (ref: { id: unknown }, ctx: InventoryContext) => ctx.loaders.product.load(String(ref.id)),
      },
      ProductVariant: {
        __resolveReference: (ref: { id: unknown }, ctx: InventoryContext) => ctx.loaders.variant.load(String(ref.id)),
      },
    },
  );
}
