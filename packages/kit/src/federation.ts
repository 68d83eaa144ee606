import 'reflect-metadata';
import { GraphQLSchema, lexicographicSortSchema } from 'graphql';
import gql from 'graphql-tag';
import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { buildSchema, BuildSchemaOptions, createResolversMap } from 'type-graphql';
import { DateTimeScalar } from './graphql/scalars';

/** The one federation spec version every subgraph links; change it here only. */
export const FEDERATION_VERSION = 'v2.7';

const FEDERATION_LINK = `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/${FEDERATION_VERSION}",
          import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible", "@override", "@tag"])
`;

// A resolver map: type name -> field name -> resolver (incl. __resolveReference).
export type ReferenceResolvers = Record<string, Record<string, unknown>>;

/**
 * Builds an Apollo Federation 2 subgraph schema from type-graphql resolvers: the type-graphql
 * schema is printed with its directives (@key, @shareable, …), linked to the federation spec,
 * and handed to `buildSubgraphSchema` together with the reference resolvers.
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'skipCheck' | 'scalarsMap' | 'validate'>,
  referenceResolvers: ReferenceResolvers = {},
): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    ...options,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: false,
    skipCheck: true,
  });
  const resolvers = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  for (const [typeName, fields] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = { ...(resolvers[typeName] ?? {}), ...fields };
  }
  return buildSubgraphSchema([
    {
      typeDefs: gql`${FEDERATION_LINK}\n${printSchemaWithDirectives(lexicographicSortSchema(schema))}`,
      resolvers: resolvers as never,
    },
  ]);
}

/** The subgraph SDL (with federation directives) as the gateway's composition sees it. */
export function printFederatedSdl(schema: GraphQLSchema): string {
  return `${printSubgraphSchema(schema).trim()}\n`;
}
