// The composed API schema, as clients see it: the supergraph (schema/supergraph.graphql, written by
// `npm run compose`) with its federation machinery removed (@apollo/federation-internals, what the
// gateway itself serves). GraphQL Code Generator loads it through this file (codegen.ts) and
// `node scripts/api-schema.cjs` prints it.
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { Supergraph } = require('@apollo/federation-internals');

const SUPERGRAPH = path.resolve(__dirname, '../../../schema/supergraph.graphql');

function apiSchema(file = SUPERGRAPH) {
  return Supergraph.build(readFileSync(file, 'utf8')).apiSchema().toGraphQLJSSchema();
}

// codegen's custom schema loader: (pointer, config) -> GraphQLSchema
module.exports = (pointer) => apiSchema(path.resolve(process.cwd(), pointer));
module.exports.apiSchema = apiSchema;
module.exports.SUPERGRAPH = SUPERGRAPH;

if (require.main === module) process.stdout.write(require('graphql').printSchema(apiSchema()));
