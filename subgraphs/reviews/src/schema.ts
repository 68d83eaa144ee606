import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '@shopgraph/kit';
import type { ReviewsContext } from './context';
import { ProductReviewsResolver } from './resolvers/product-reviews.resolver';
import { ReviewResolver } from './resolvers/review.resolver';
import { UserReviewsResolver } from './resolvers/user-reviews.resolver';
import { productRef } from './types/product.type';
import { Review } from './types/review.type';
import { userRef } from './types/user.type';

/** Inputs whose text may span lines (line breaks and tabs); every other text input refuses control characters. */
export const REVIEW_MULTILINE_INPUTS = ['AddReviewInput.body'];

/**
 * The reviews subgraph schema. Review references load through the per-request batching loader;
 * Product and User references need no lookup (reviews cannot tell whether they exist) and become
 * stubs whose fields are batched by their own loaders.
 */
export function buildReviewsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [ReviewResolver, ProductReviewsResolver, UserReviewsResolver], orphanedTypes: [Review] },
    {
      Review: {
        __resolveReference: (ref: { id: unknown }, ctx: ReviewsContext) => ctx.loaders.review.load(String(ref.id)),
      },
      Product: { __resolveReference: (ref: { id: unknown }) => productRef(String(ref.id)) },
      User: { __resolveReference: (ref: { id: unknown }) => userRef(String(ref.id)) },
    },
  );
}
