// One shop for the whole Playwright run, on the shared local stack (`npm test` started it; its
// connection settings come from `node infra/stack/stack.mjs env`): the fault workspace's shop
// harness (@shopgraph/faults startFaultShop) runs every declared subgraph, the payment sandbox
// and the gateway as real child processes in a namespace of their own (own databases, topics,
// consumer groups, Redis database 15), seeded with the demo shop. The harness's private-stack
// controls are never used here: the stack handle below names no server, so nothing of the
// shared stack can be paused, killed or stopped through it.
//
// Then the gateway is restarted with TRUSTED_DOCUMENTS=enforce and this app's manifest
// (trusted-documents.json, built from src/operations): every request the browser makes in the
// tests must be an operation of the collection, sent by hash.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { attachFaultStack, startFaultShop, type FaultStackInfo } from '@shopgraph/faults';
import { startStorefrontServer } from '../server.mjs';

const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.resolve(APP, '../..');

function stackEnv(): Record<string, string> {
  const out = execFileSync(process.execPath, [path.join(ROOT, 'infra/stack/stack.mjs'), 'env'], { encoding: 'utf8' });
  return Object.fromEntries(out.split('\n').map((l) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null).map((m) => [m[1], m[2]]));
}

export default async function globalSetup() {
  const t0 = Date.now();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'shopgraph-storefront-'));
  // 14 -> the harness's next Redis database is 15 (nothing else on the shared stack uses it).
  writeFileSync(path.join(dataDir, 'shop-counter'), '14');
  const info = { dataDir, servers: [], ports: {}, portEnv: {}, env: stackEnv(), keep: true } as unknown as FaultStackInfo;
  const stack = attachFaultStack(info);
  // Generous store deadlines: the shared machine runs other suites at the same time.
  const slowStores = { MONGO_SERVER_SELECTION_TIMEOUT_MS: '15000', MONGO_CONNECT_TIMEOUT_MS: '15000', PG_CONNECT_TIMEOUT_MS: '10000' };
  const options = {
    logLevel: 'warn',
    // Store and gateway deadlines fit for a busy machine: the workspace tests run beside this shop,
    // and a clean-clone run saw products miss the kit's production store deadline at their peak
    // (the product page answered SERVICE_UNAVAILABLE twice in a row). Deadlines are not what these
    // tests check (the fault suite and hung-stores do).
    contendedDeadlines: true,
    env: Object.fromEntries(['users', 'products', 'inventory', 'orders', 'payments', 'reviews', 'notifications', 'analytics', 'shipping'].map((s) => [s, slowStores])),
  };
  // A start-up that misses the harness's readiness deadline on a machine busy with other suites
  // is tried once more (a fresh namespace; the first attempt's children are stopped and dropped).
  const shop = await startFaultShop(stack, options)
    .catch((error: Error) => {
      console.warn(`[storefront] the shop did not start (${error.message.split('\n')[0]}); trying once more`);
      return startFaultShop(stack, options);
    })
    .catch((error: Error) => {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    });
  const manifests = [path.join(ROOT, 'gateway/trusted-documents.json'), path.join(APP, 'trusted-documents.json')].join(',');
  await shop.services.gateway.restart({ TRUSTED_DOCUMENTS: 'enforce', TRUSTED_DOCUMENTS_PATHS: manifests });
  const gatewayBase = shop.gatewayUrl.replace(/\/graphql$/, '');
  const server = await startStorefrontServer({ dist: path.join(APP, 'dist/public'), port: 0, gatewayUrl: gatewayBase });
  process.env.SG_STOREFRONT_URL = server.url;
  process.env.SG_GATEWAY_URL = shop.gatewayUrl;
  process.env.SG_SANDBOX_URL = shop.sandboxUrl;
  process.env.SG_SHOP_DIR = dataDir;
  console.log(`[storefront] shop ${shop.id} up in ${((Date.now() - t0) / 1000).toFixed(1)}s; app at ${server.url}, gateway ${shop.gatewayUrl} (trusted documents enforced)`);
  return async () => {
    await server.close();
    await shop.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
