// GraphQL Code Generator: typed documents (TypedDocumentNode) for every operation of the
// collection in src/operations, checked against the composed API schema (the supergraph of
// `npm run compose` as clients see it; scripts/api-schema.cjs).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  overwrite: true,
  schema: [{ '../../schema/supergraph.graphql': { loader: './scripts/api-schema.cjs' } }],
  documents: ['src/operations/**/*.graphql'],
  generates: {
    'src/gql/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        avoidOptionals: { field: true, inputValue: false },
        defaultScalarType: 'unknown',
        scalars: { DateTime: 'string' },
        nonOptionalTypename: true,
        skipTypeNameForRoot: true,
        enumsAsTypes: true,
        useTypeImports: true,
        dedupeFragments: true,
      },
    },
  },
};

export default config;
