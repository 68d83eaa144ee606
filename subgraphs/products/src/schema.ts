import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '@shopgraph/kit';
import type { ProductsContext } from './context';
import { CategoryResolver } from './resolvers/category.resolver';
import { productIdOfVariant } from './domain/variants';
import { ProductResolver } from './resolvers/product.resolver';
import { ProductVariantsResolver, resolveVariantReference, VariantResolver } from './resolvers/variant.resolver';
import { Category, toCategory } from './types/category.type';
import { Product, toProduct } from './types/product.type';
import { ProductVariant } from './types/variant.type';

/** Inputs whose text may span lines (line breaks and tabs); every other text input refuses control characters. */
export const PRODUCT_MULTILINE_INPUTS = ['CreateProductInput.description', 'UpdateProductInput.description'];

/** The products subgraph schema; Product and Category references resolve through the per-request batching loaders. */
export function buildProductsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [ProductResolver, ProductVariantsResolver, VariantResolver, CategoryResolver],
      orphanedTypes: [Product, ProductVariant, Category],
    },
    {
      Product: {
        __resolveReference: async (ref: { id: unknown }, ctx: ProductsContext) => {
          const record = await ctx.loaders.productById.load(String(ref.id));
          return record && toProduct(record);
        },
      },
      ProductVariant: {
        __resolveReference: (ref: { id: unknown }, ctx: ProductsContext) =>
          resolveVariantReference(String(ref.id), ctx, productIdOfVariant),
      },
      Category: {
        __resolveReference: async (ref: { id: unknown }, ctx: ProductsContext) => {
          const doc = await ctx.loaders.categoryById.load(String(ref.id));
          return doc && toCategory(doc);
        },
      },
    },
  );
}
