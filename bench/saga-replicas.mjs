// `node bench/saga.mjs --replicas N [--levels 4,16] [--orders 300] [--seconds 20] [--record]`:
// sustained confirmed orders/s with one and with N replicas of each saga service (orders,
// inventory, payments), everything else equal. Both shops run on one PRIVATE stack of the fault
// harness (faults/src: own dir and ports, never the shared stack; build faults first), one after the
// other, as real processes: with N, the gateway reaches each saga service through the harness's
// round-robin proxy, and the replicas share the databases and consumer groups. The measurement is
// bench/saga.mjs itself, run against each shop's gateway (--url). --record appends the figures to
// bench/RESULTS.md. On a 2-core machine expect little gain: the point is that it stays correct.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { root } from './lib.mjs';

const require = createRequire(import.meta.url);

function runSaga(url, args) {
  const pass = ['levels', 'orders', 'seconds'].filter((k) => args[k] !== undefined).flatMap((k) => [`--${k}`, String(args[k])]);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bench/saga.mjs'), '--url', url, ...pass], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench/saga.mjs exited ${code}`))));
  });
}

export async function run(args) {
  const n = Math.max(2, Number(args.replicas) || 2);
  const { startFaultStack, startFaultShop } = require(path.join(root, 'faults/dist/index.js'));
  const load0 = os.loadavg()[0];
  console.log(`[bench] private stack for one vs ${n} replicas of orders, inventory, payments…`);
  const stack = await startFaultStack();
  const results = [];
  try {
    for (const replicas of [1, n]) {
      // Deadlines fit for a busy machine (the subject is throughput, not a 3 s placeOrder on a loaded box).
      const shop = await startFaultShop(stack, {
        replicas: { orders: replicas, inventory: replicas, payments: replicas },
        contendedDeadlines: true,
        env: { gateway: { ORDERS_SUBGRAPH_TIMEOUT_MS: '15000' } },
      });
      try {
        console.log(`\n[bench] ${replicas} replica(s) of each saga service`);
        const out = await runSaga(shop.gatewayUrl, args);
        const best = /highest sustained rate: ([\d.]+) confirmed orders\/s at (\d+) in flight/.exec(out);
        const levels = [...out.matchAll(/(\d+) confirmed in ([\d.]+)s = ([\d.]+) confirmed orders\/s(.*)/g)].map((m) => ({ confirmed: Number(m[1]), seconds: Number(m[2]), rate: Number(m[3]), note: m[4].trim() }));
        results.push({ replicas, best: best ? { rate: Number(best[1]), inFlight: Number(best[2]) } : null, levels });
      } finally {
        await shop.stop();
      }
    }
  } finally {
    await stack.down();
  }
  const load1 = os.loadavg()[0];
  const [one, many] = results;
  const ratio = one.best && many.best ? (many.best.rate / one.best.rate).toFixed(2) : 'n/a';
  const lines = results.map(
    (r) =>
      `| ${r.replicas} | ${r.best ? `${r.best.rate.toFixed(1)} at ${r.best.inFlight} in flight` : 'n/a'} | ${r.levels.map((l) => `${l.rate.toFixed(1)}${l.note ? ` (${l.note})` : ''}`).join(' / ')} |`,
  );
  const table = ['| replicas of orders, inventory, payments | highest sustained confirmed orders/s | per level |', '|---:|---|---|', ...lines].join('\n');
  console.log(`\n${table}\n${n} vs 1 replica: ${ratio}× (load average ${load0.toFixed(1)} → ${load1.toFixed(1)} on ${os.cpus().length} cores)`);
  if (process.argv.includes('--record')) {
    const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
    const command = `node bench/saga.mjs --replicas ${n}${['levels', 'orders', 'seconds'].filter((k) => args[k] !== undefined).map((k) => ` --${k} ${args[k]}`).join('')} --record`;
    appendFileSync(
      path.join(root, 'bench/RESULTS.md'),
      `\n### Saga with replicas: one vs ${n} of orders, inventory, payments — ${stamp} UTC\n\n` +
        `**Command:** \`${command}\`. **Machine:** ${os.cpus().length} cores, Node ${process.version}; load average ${load0.toFixed(1)} → ${load1.toFixed(1)}. ` +
        `Each shop on the fault harness's private stack (real processes; with ${n}, the gateway reaches each saga service through a round-robin proxy), measured by bench/saga.mjs against its gateway.\n\n` +
        `${table}\n\n${n} vs 1: ${ratio}×. Every order of both runs reached CONFIRMED unless noted per level.\n`,
    );
    console.log('[bench] appended to bench/RESULTS.md');
  }
}
