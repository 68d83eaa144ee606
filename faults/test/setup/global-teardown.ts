import type { FaultStack } from '../../src/stack';

export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as { __faultStack?: FaultStack }).__faultStack;
  if (!stack) return;
  const t0 = Date.now();
  await stack.down();
  console.log(`[faults] private stack ${stack.keep ? 'left running (SG_FAULT_KEEP_STACK=1)' : 'stopped and deleted'} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}
