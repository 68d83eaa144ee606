import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '@shopgraph/kit';
import { AnalyticsResolver } from './resolvers/analytics.resolver';
import { Product } from './types/analytics.types';

/** The analytics subgraph schema: admin reports; `Product` is only referred to (products resolves it). */
export function buildAnalyticsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: [AnalyticsResolver], orphanedTypes: [Product] });
}
