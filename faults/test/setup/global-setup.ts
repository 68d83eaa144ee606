import { FAULT_STACK_ENV_VAR, startFaultStack, type FaultStack } from '../../src/stack';

// Starts the run's private stack once; the fault files (run one at a time, in this process) attach
// to it through SG_FAULT_STACK with faultStack(). The teardown stops it and deletes its dir.
export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  const stack = await startFaultStack({ verbose: process.env.SG_FAULT_VERBOSE === '1' });
  process.env[FAULT_STACK_ENV_VAR] = JSON.stringify({
    dataDir: stack.dataDir,
    servers: stack.servers,
    ports: stack.ports,
    portEnv: stack.portEnv,
    env: stack.env,
    keep: stack.keep,
  });
  // Anything in the files that reads the usual variables (testkit's stackEnv, …) gets the private
  // stack too, never the shared one.
  Object.assign(process.env, stack.env);
  (globalThis as { __faultStack?: FaultStack }).__faultStack = stack;
  const p = stack.ports;
  console.log(
    `\n[faults] private stack up in ${((Date.now() - t0) / 1000).toFixed(1)}s at ${stack.dataDir} ` +
      `(${Object.entries(p)
        .map(([key, port]) => `${key} :${port}`)
        .join(', ')})`,
  );
}
