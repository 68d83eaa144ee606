// Toxiproxy (github.com/Shopify/toxiproxy/v2 v2.5.0): a TCP proxy whose connections can be made
// slow, cut or closed slowly on demand, through its HTTP API. The fault suite puts it between a
// service and Kafka/PostgreSQL (faults/test/process-kill.fault-spec.ts). Optional: `up` starts it
// only when asked (`npm run stack -- up toxiproxy`, SG_WITH=toxiproxy); nothing in the shop needs it.
// Built once with Go from the module proxy into <cache>/toxiproxy-<version>/bin/ (toxiproxy-server
// and toxiproxy-cli; ~10 s), like Mailpit. The module's commands are cmd/server and cmd/cli (there
// is no cmd/toxiproxy-server in v2.5.0), built under their released names.
//
// The API (http://127.0.0.1:8474): POST /proxies {name, listen, upstream}, POST /proxies/<name>
// {enabled}, POST /proxies/<name>/toxics {type: latency|timeout|slow_close|reset_peer|…, attributes},
// DELETE /proxies/<name>/toxics/<toxic>, POST /reset. `toxiproxy-cli -h 127.0.0.1:8474 list` shows them.
//
// Kafka through a proxy: a client that bootstraps through it is told by the broker where the
// broker is, and goes there directly. The broker's optional second listener (SG_KAFKA_PROXIED in
// kafka.mjs) advertises the proxy's port instead, so every connection of such a client passes it.

import fs from 'node:fs';
import path from 'node:path';
import { fail, runOk, secs, spawnDetached, tcpExchange, waitFor, which } from '../core.mjs';

export const TOXIPROXY_VERSION = 'v2.5.0';
const MODULE = 'github.com/Shopify/toxiproxy/v2';

/** Paths of the server and CLI binaries in the cache (whether or not they are built yet). */
export function toxiproxyBinaries(c) {
  const bin = path.join(c.cacheRoot, `toxiproxy-${TOXIPROXY_VERSION}`, 'bin');
  return { server: path.join(bin, 'toxiproxy-server'), cli: path.join(bin, 'toxiproxy-cli') };
}

/** The Toxiproxy binaries, built first if they are not cached: `go mod download` of the release, a writable copy, `go build` of both commands. */
export async function ensureToxiproxy(c, { log, logFile }) {
  const bins = toxiproxyBinaries(c);
  if (fs.existsSync(bins.server) && fs.existsSync(bins.cli)) return bins;
  const go = which('go', ['/usr/local/go/bin']);
  if (!go) throw fail('toxiproxy', 'Toxiproxy is not cached and Go is needed to build it (install golang-go or /usr/local/go)', null);
  const home = path.dirname(path.dirname(bins.server));
  log('toxiproxy', `building Toxiproxy ${TOXIPROXY_VERSION} with Go (first run only)…`);
  const t0 = Date.now();
  const env = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' };
  const mod = `${MODULE}@${TOXIPROXY_VERSION}`;
  const out = await runOk('toxiproxy', go, ['mod', 'download', '-json', mod], { env, logFile, timeoutMs: 15 * 60_000 });
  const info = JSON.parse(out.slice(out.indexOf('{')));
  if (!info.Dir) throw fail('toxiproxy', `go mod download ${mod} gave no directory: ${JSON.stringify(info)}`, logFile);
  const src = path.join(home, `src-${process.pid}`);
  fs.rmSync(src, { recursive: true, force: true });
  fs.mkdirSync(home, { recursive: true });
  fs.cpSync(info.Dir, src, { recursive: true });
  await runOk('toxiproxy', 'chmod', ['-R', 'u+w', src], { logFile });
  fs.mkdirSync(path.dirname(bins.server), { recursive: true });
  const ldflags = `-s -w -X ${MODULE}.Version=${TOXIPROXY_VERSION.replace(/^v/, '')}`;
  for (const [cmd, bin] of [['./cmd/server', bins.server], ['./cmd/cli', bins.cli]]) {
    const tmpBin = `${bin}.tmp-${process.pid}`;
    await runOk('toxiproxy', go, ['build', '-trimpath', '-ldflags', ldflags, '-o', tmpBin, cmd], { env, cwd: src, logFile, timeoutMs: 20 * 60_000 });
    fs.renameSync(tmpBin, bin);
  }
  fs.rmSync(src, { recursive: true, force: true });
  log('toxiproxy', `Toxiproxy built: ${path.dirname(bins.server)} (${secs(t0)})`);
  return bins;
}

/** GET /version answers 200. */
async function apiLive(port) {
  const r = await tcpExchange(port, Buffer.from('GET /version HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n'), (b) => (b.includes('\r\n') ? b.toString() : undefined));
  return typeof r === 'string' && /^HTTP\/1\.[01] 200/.test(r);
}

export default {
  name: 'toxiproxy',
  optional: true,
  ports: [{ key: 'toxiproxy', env: 'SG_TOXIPROXY_PORT', default: 8474, meaning: 'Toxiproxy HTTP API (proxies and their toxics)' }],
  env: (c) => ({ TOXIPROXY_URL: `http://127.0.0.1:${c.ports.toxiproxy}` }),
  cmdline: 'toxiproxy-server',
  probe: (c) => apiLive(c.ports.toxiproxy),
  portBusyMessage: async (c) => `port ${c.ports.toxiproxy} is taken by something that is not Toxiproxy's API; free it or set SG_TOXIPROXY_PORT`,
  async start(c, ctx) {
    const { log, logFile } = ctx;
    const { server } = await ensureToxiproxy(c, ctx);
    const dir = path.join(c.dataDir, 'toxiproxy');
    fs.mkdirSync(dir, { recursive: true });
    log('toxiproxy', `starting Toxiproxy ${TOXIPROXY_VERSION}: API http://127.0.0.1:${c.ports.toxiproxy}`);
    // No proxies at start: whoever uses it creates them through the API.
    const p = spawnDetached(c, 'toxiproxy', server, ['-host', '127.0.0.1', '-port', String(c.ports.toxiproxy)], { cwd: dir, env: { ...process.env, LOG_LEVEL: 'warn' } });
    const ok = await waitFor(() => apiLive(c.ports.toxiproxy), { timeoutMs: 30_000, exited: p.exited });
    if (!ok) throw fail('toxiproxy', p.exited() ? `toxiproxy-server exited (${JSON.stringify(p.exited())})` : 'API not answering within 30s', logFile);
    return { pid: p.pid };
  },
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 10_000,
};
