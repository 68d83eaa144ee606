import { z } from 'zod';

/** Settings every service shares; each service extends this with its own. */
export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  /** Shared secret the gateway signs internal tokens with; subgraphs verify it. */
  INTERNAL_TOKEN_SECRET: z.string().min(16).default('shopgraph-dev-internal-token-secret-change-me'),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/**
 * Validates the environment once against a schema and returns a frozen, typed config.
 * Fails with one readable message listing every bad variable. In production the
 * development default of INTERNAL_TOKEN_SECRET is refused.
 */
export function loadConfig<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data as z.infer<S> & Partial<BaseConfig>;
  if (config.NODE_ENV === 'production' && config.INTERNAL_TOKEN_SECRET === baseConfigSchema.shape.INTERNAL_TOKEN_SECRET.parse(undefined)) {
    throw new Error('Invalid configuration:\n  INTERNAL_TOKEN_SECRET: must be set in production');
  }
  return Object.freeze(config);
}

/** A port number from the environment (string) with a default. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
