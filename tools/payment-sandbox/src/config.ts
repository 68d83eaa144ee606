import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@shopgraph/kit';

/** The payment provider sandbox's settings (SANDBOX_PORT, not PORT: it runs beside the services). */
export const sandboxConfigSchema = z.object({
  LOG_LEVEL: baseConfigSchema.shape.LOG_LEVEL,
  SANDBOX_PORT: port(4010),
  SANDBOX_HOST: z.string().default('127.0.0.1'),
});

export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;

/** Reads and validates the sandbox's configuration from `env`. */
export function loadSandboxConfig(env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  return loadConfig(sandboxConfigSchema, env);
}
