// Hive Gateway's configuration for bench/gateways.mjs: Hive's defaults, plus what our gateway
// does on every subgraph call — an internal token for that subgraph (audience = its name, signed
// with the gateway's Ed25519 key by @shopgraph/kit, viewer = anonymous: the bench's queries send
// no access token) and the client's request id when it sent one. Tokens come from the same per-(subgraph, viewer) cache our
// gateway uses (gateway/dist/internal-tokens.js) when it exists, so the comparison measures the
// gateways, not the signing; BENCH_HIVE_TOKEN_CACHE=off signs on every subgraph call instead.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@graphql-hive/gateway';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'gateway', 'package.json'));
const { DEV_INTERNAL_TOKEN_PRIVATE_KEY, INTERNAL_TOKEN_HEADER, signInternalToken } = require('@shopgraph/kit');
const key = process.env.INTERNAL_TOKEN_PRIVATE_KEY || DEV_INTERNAL_TOKEN_PRIVATE_KEY;

const cacheModule = path.join(root, 'gateway/dist/internal-tokens.js');
const tokens =
  process.env.BENCH_HIVE_TOKEN_CACHE !== 'off' && existsSync(cacheModule) ? new (require(cacheModule).InternalTokenCache)(key) : null;
const tokenFor = (subgraph) => (tokens ? tokens.get(subgraph, null, {}) : signInternalToken(key, subgraph, null, 60, {}));

export const gatewayConfig = defineConfig({
  logging: 'error',
  propagateHeaders: {
    fromClientToSubgraphs: async ({ request, subgraphName }) => ({
      [INTERNAL_TOKEN_HEADER]: await tokenFor(subgraphName),
      // Only a client's own request id: a fresh one per request would make every subgraph request
      // unique and switch off Hive's in-flight deduplication (which keys on the headers too).
      ...(request.headers.get('x-request-id') ? { 'x-request-id': request.headers.get('x-request-id') } : {}),
    }),
  },
});
