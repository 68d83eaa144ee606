import type { FaultStack } from '../../src/stack';

export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as { __faultStack?: FaultStack }).__faultStack;
  if (process.env.SG_FAULT_VERBOSE === '1') {
    // What the files left open (forceExit ends the run anyway): sockets with their remote port, timers.
    const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
    const described = handles.map((h) => {
      const s = h as { constructor: { name: string }; remotePort?: number };
      return s.remotePort ? `${s.constructor.name}(:${s.remotePort})` : s.constructor.name;
    });
    console.log(`[faults] handles open after the files: ${described.join(', ') || 'none'}`);
  }
  if (!stack) return;
  const t0 = Date.now();
  await stack.down();
  console.log(`[faults] private stack ${stack.keep ? 'left running (SG_FAULT_KEEP_STACK=1)' : 'stopped and deleted'} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}
