// bench/edge.mjs on the test fixture's shop, for machines where `npm start` cannot run (or should
// not touch the shared databases): the subgraphs run as child processes on the local stack under
// the file's namespace; bench/edge.mjs starts its gateways as child processes on them and prints the
// figures. Not part of the test suite (the jest config only matches *.spec.ts / *.e2e-spec.ts);
// asserts nothing:
//   cd gateway && npx jest --testMatch '<rootDir>/bench/*.bench.ts' --testTimeout 1800000
// BENCH_ARGS passes options through, e.g. BENCH_ARGS='--rounds 5 --requests 400'.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { namespaceEnv, stackEnv } from '@shopgraph/testkit';
import { startShop } from '../test/fixtures/shop';

it('runs bench/edge.mjs against the fixture shop', async () => {
  // Subgraphs as child processes, so they use both cores rather than this process' one event loop.
  const shop = await startShop({ processes: ['users', 'products', 'inventory', 'reviews'] });
  try {
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      ...namespaceEnv(),
      REDIS_URL: stackEnv.redisUrl,
      KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
      JWKS_URL: new URL('/.well-known/jwks.json', shop.subgraphUrls.users!).toString(),
      ...Object.fromEntries(Object.entries(shop.subgraphUrls).map(([name, url]) => [`${name.toUpperCase()}_SUBGRAPH_URL`, url!])),
    };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'edge-bench-')), 'gateway-env.json');
    writeFileSync(file, JSON.stringify(env));
    const extra = (process.env.BENCH_ARGS ?? '').split(/\s+/).filter(Boolean);
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [path.resolve(__dirname, '../../bench/edge.mjs'), '--gateway-env', file, ...extra], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`bench/edge.mjs exited with ${code}`);
  } finally {
    await shop.stop();
  }
});
