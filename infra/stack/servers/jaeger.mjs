// Jaeger (v2 all-in-one, github.com/jaegertracing/jaeger/cmd/jaeger v1.76.0): OTLP receiver, in-memory
// trace store and the UI/query API, for following one order's saga across the services. Optional:
// `up` starts it only when asked (`npm run stack -- up jaeger`, SG_WITH=jaeger, or `npm start -- --tracing`).
// Built once with Go from the module proxy (a tool module: `go get -tool`, then `go build`) into
// <cache>/jaeger-<version>/bin/jaeger. Its env gives the apps JAEGER_URL and JAEGER_OTLP_ENDPOINT;
// tracing stays off until a service gets OTEL_EXPORTER_OTLP_ENDPOINT (README "Operating it").

import fs from 'node:fs';
import path from 'node:path';
import { fail, runOk, secs, spawnDetached, tcpExchange, waitFor, which, withLock } from '../core.mjs';

export const JAEGER_VERSION = 'v1.76.0';
const PACKAGE = 'github.com/jaegertracing/jaeger/cmd/jaeger';

/** Path of the Jaeger binary in the cache (whether or not it is built yet). */
export function jaegerBinary(c) {
  return path.join(c.cacheRoot, `jaeger-${JAEGER_VERSION}`, 'bin', 'jaeger');
}

/** The Jaeger binary, built first if it is not cached (several minutes on two cores, first run only). */
export async function ensureJaeger(c, { log, logFile }) {
  const bin = jaegerBinary(c);
  if (fs.existsSync(bin)) return bin;
  // One build at a time per cache: `npm test` starts one in the background (stack.mjs prepare
  // jaeger) and a test that needs Jaeger waits for it here instead of building it twice.
  return withLock({ dataDir: path.dirname(path.dirname(bin)), quiet: true }, () => (fs.existsSync(bin) ? bin : buildJaeger(c, bin, { log, logFile })));
}

async function buildJaeger(c, bin, { log, logFile }) {
  const go = which('go', ['/usr/local/go/bin']);
  if (!go) throw fail('jaeger', 'Jaeger is not cached and Go is needed to build it (install golang-go or /usr/local/go)', null);
  const home = path.dirname(path.dirname(bin));
  const mod = path.join(home, `tool-${process.pid}`);
  log('jaeger', `building Jaeger ${JAEGER_VERSION} with Go (first run only, several minutes)…`);
  const t0 = Date.now();
  const env = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' };
  fs.rmSync(mod, { recursive: true, force: true });
  fs.mkdirSync(mod, { recursive: true });
  await runOk('jaeger', go, ['mod', 'init', 'shopgraph.local/jaeger-tool'], { env, cwd: mod, logFile });
  await runOk('jaeger', go, ['get', '-tool', `${PACKAGE}@${JAEGER_VERSION}`], { env, cwd: mod, logFile, timeoutMs: 20 * 60_000 });
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  const tmpBin = `${bin}.tmp-${process.pid}`;
  await runOk('jaeger', go, ['build', '-trimpath', '-ldflags', '-s -w', '-o', tmpBin, PACKAGE], { env, cwd: mod, logFile, timeoutMs: 40 * 60_000 });
  fs.renameSync(tmpBin, bin);
  fs.rmSync(mod, { recursive: true, force: true });
  log('jaeger', `Jaeger built: ${bin} (${secs(t0)})`);
  return bin;
}

/** The all-in-one configuration on loopback ports: OTLP in, memory store, query API/UI; no self-metrics port. */
function config(c) {
  const max = Number.parseInt(c.env.SG_JAEGER_MAX_TRACES ?? '', 10) || 50000;
  return `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${c.ports.jaegerUi}
    grpc:
      endpoint: 127.0.0.1:${c.ports.jaegerQueryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: ${max}
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${c.ports.jaegerHealth}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${c.ports.jaegerOtlpGrpc}
      http:
        endpoint: 127.0.0.1:${c.ports.jaegerOtlp}
processors:
  batch:
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

/** The query API answers (GET /api/services → 200). */
async function queryLive(port) {
  const r = await tcpExchange(port, Buffer.from('GET /api/services HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n'), (b) => (b.includes('\r\n') ? b.toString() : undefined));
  return typeof r === 'string' && /^HTTP\/1\.[01] 200/.test(r);
}

export default {
  name: 'jaeger',
  optional: true,
  ports: [
    { key: 'jaegerUi', env: 'SG_JAEGER_UI_PORT', default: 16686, meaning: 'Jaeger UI and query API (http://127.0.0.1:16686)' },
    { key: 'jaegerOtlp', env: 'SG_JAEGER_OTLP_PORT', default: 4318, meaning: 'Jaeger OTLP/HTTP receiver (the services export here)' },
    { key: 'jaegerOtlpGrpc', env: 'SG_JAEGER_OTLP_GRPC_PORT', default: 4317, meaning: 'Jaeger OTLP/gRPC receiver' },
    { key: 'jaegerQueryGrpc', env: 'SG_JAEGER_QUERY_GRPC_PORT', default: 16685, meaning: 'Jaeger query gRPC API' },
    { key: 'jaegerHealth', env: 'SG_JAEGER_HEALTH_PORT', default: 13133, meaning: 'Jaeger health check' },
  ],
  settings: [{ env: 'SG_JAEGER_MAX_TRACES', default: '50000', meaning: 'traces Jaeger keeps in memory' }],
  env: (c) => ({ JAEGER_URL: `http://127.0.0.1:${c.ports.jaegerUi}`, JAEGER_OTLP_ENDPOINT: `http://127.0.0.1:${c.ports.jaegerOtlp}` }),
  cmdline: 'jaeger',
  probe: (c) => queryLive(c.ports.jaegerUi),
  prepare: (c, ctx) => ensureJaeger(c, ctx),
  portBusyMessage: async (c) => `port ${c.ports.jaegerUi} is taken by something that is not Jaeger's query API; free it or set SG_JAEGER_UI_PORT`,
  async start(c, ctx) {
    const { log, logFile } = ctx;
    const bin = await ensureJaeger(c, ctx);
    const dir = path.join(c.dataDir, 'jaeger');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, config(c));
    log('jaeger', `starting Jaeger ${JAEGER_VERSION}: UI http://127.0.0.1:${c.ports.jaegerUi}, OTLP/HTTP http://127.0.0.1:${c.ports.jaegerOtlp}`);
    const p = spawnDetached(c, 'jaeger', bin, ['--config', file], { cwd: dir });
    const ok = await waitFor(() => queryLive(c.ports.jaegerUi), { timeoutMs: 60_000, exited: p.exited });
    if (!ok) throw fail('jaeger', p.exited() ? `jaeger exited (${JSON.stringify(p.exited())})` : 'query API not answering within 60s', logFile);
    return { pid: p.pid };
  },
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 10_000,
};
