import path from 'node:path';
import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@shopgraph/kit';

export const gatewayConfigSchema = baseConfigSchema.extend({
  PORT: port(4000),
  /** Composed supergraph SDL; reloaded when the file changes outside production. */
  SUPERGRAPH_PATH: z.string().default(path.resolve(__dirname, '../../schema/supergraph.graphql')),
  /** Where the users subgraph publishes the public keys of access tokens. */
  JWKS_URL: z.string().url().default('http://127.0.0.1:4001/.well-known/jwks.json'),
  ACCESS_TOKEN_ISSUER: z.string().default('shopgraph-users'),
  ACCESS_TOKEN_AUDIENCE: z.string().default('shopgraph'),
  /** Deepest selection a client operation may have. */
  MAX_QUERY_DEPTH: z.coerce.number().int().positive().default(12),
  /** Comma-separated browser origins allowed by CORS; empty allows any origin (development). */
  CORS_ORIGINS: z.string().default(''),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema> & {
  /** Per-subgraph URL overrides (name -> URL); from env `<NAME>_SUBGRAPH_URL`, or set by tests. */
  subgraphUrls: Record<string, string>;
};

/** Reads and validates the gateway's environment once. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = loadConfig(gatewayConfigSchema, env);
  const subgraphUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = /^([A-Z]+)_SUBGRAPH_URL$/.exec(key);
    if (match && value) subgraphUrls[match[1].toLowerCase()] = value;
  }
  return { ...config, subgraphUrls };
}
