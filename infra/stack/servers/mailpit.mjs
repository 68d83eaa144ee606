// Mailpit: the local SMTP server. Every email the shop sends (notifications subgraph) lands here
// instead of in a real mailbox; its REST API (http://127.0.0.1:8025/api/v1/..., e.g.
// /api/v1/messages, /api/v1/search?query=to:ann@example.com, /api/v1/message/<ID>) shows and
// counts them. Built once with Go from the module proxy into <cache>/mailpit-<version>, like
// FerretDB. The Go module carries the web UI's sources but not its bundle, and the bundle's npm
// dependencies (sass-embedded 1.108, rapidoc 12) are not in the npm registry this project
// reaches, so the page at :8025 loads without its script: read mail through the REST API
// (README "Emails").

import fs from 'node:fs';
import path from 'node:path';
import { fail, runOk, secs, spawnDetached, tcpExchange, waitFor, which } from '../core.mjs';

export const MAILPIT_VERSION = 'v1.33.1';
const MODULE = 'github.com/axllent/mailpit';

/** Path of the Mailpit binary in the cache (whether or not it is built yet). */
export function mailpitBinary(c) {
  return path.join(c.cacheRoot, `mailpit-${MAILPIT_VERSION}`, 'bin', 'mailpit');
}

/**
 * The Mailpit binary, built first if it is not cached: `go mod download` of the release, a
 * writable copy, then `go build` with the version stamped in.
 */
export async function ensureMailpit(c, { log, logFile }) {
  const bin = mailpitBinary(c);
  if (fs.existsSync(bin)) return bin;
  const go = which('go', ['/usr/local/go/bin']);
  if (!go) throw fail('mailpit', 'Mailpit is not cached and Go is needed to build it (install golang-go or /usr/local/go)', null);
  const home = path.dirname(path.dirname(bin));
  log('mailpit', `building Mailpit ${MAILPIT_VERSION} with Go (first run only)…`);
  const t0 = Date.now();
  const env = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' };
  const mod = `${MODULE}@${MAILPIT_VERSION}`;
  const out = await runOk('mailpit', go, ['mod', 'download', '-json', mod], { env, logFile, timeoutMs: 15 * 60_000 });
  const info = JSON.parse(out.slice(out.indexOf('{')));
  if (!info.Dir) throw fail('mailpit', `go mod download ${mod} gave no directory: ${JSON.stringify(info)}`, logFile);
  const src = path.join(home, `src-${process.pid}`);
  fs.rmSync(src, { recursive: true, force: true });
  fs.mkdirSync(home, { recursive: true });
  fs.cpSync(info.Dir, src, { recursive: true });
  await runOk('mailpit', 'chmod', ['-R', 'u+w', src], { logFile });
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  const tmpBin = `${bin}.tmp-${process.pid}`;
  const ldflags = `-s -w -X ${MODULE}/config.Version=${MAILPIT_VERSION}`;
  await runOk('mailpit', go, ['build', '-trimpath', '-ldflags', ldflags, '-o', tmpBin, '.'], { env, cwd: src, logFile, timeoutMs: 20 * 60_000 });
  fs.renameSync(tmpBin, bin);
  fs.rmSync(src, { recursive: true, force: true });
  log('mailpit', `Mailpit built: ${bin} (${secs(t0)})`);
  return bin;
}

/** GET /livez on the HTTP port answers 200. */
async function httpLive(port) {
  const r = await tcpExchange(port, Buffer.from('GET /livez HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n'), (b) => (b.includes('\r\n') ? b.toString() : undefined));
  return typeof r === 'string' && /^HTTP\/1\.[01] 200/.test(r);
}

/** The SMTP greeting (220). */
async function smtpGreets(port) {
  // An empty request: connect, send nothing, read the server's greeting.
  const r = await tcpExchange(port, Buffer.alloc(0), (b) => (b.includes('\r\n') ? b.toString() : undefined));
  return typeof r === 'string' && r.startsWith('220');
}

const probe = async (c) => (await smtpGreets(c.ports.smtp)) && (await httpLive(c.ports.mailpitHttp));

export default {
  name: 'mailpit',
  ports: [
    { key: 'smtp', env: 'SG_SMTP_PORT', default: 1025, meaning: 'Mailpit SMTP port (the notifications subgraph sends here)' },
    { key: 'mailpitHttp', env: 'SG_MAILPIT_PORT', default: 8025, meaning: 'Mailpit web UI and REST API port' },
  ],
  settings: [{ env: 'SG_MAILPIT_MAX', default: '20000', meaning: 'messages Mailpit keeps (oldest deleted first)' }],
  env: (c) => ({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(c.ports.smtp), MAILPIT_URL: `http://127.0.0.1:${c.ports.mailpitHttp}` }),
  cmdline: 'mailpit',
  probe,
  portBusyMessage: async (c) => `port ${c.ports.smtp} or ${c.ports.mailpitHttp} is taken by something that is not Mailpit; free them or set SG_SMTP_PORT / SG_MAILPIT_PORT`,
  async start(c, ctx) {
    const { log, logFile } = ctx;
    const bin = await ensureMailpit(c, ctx);
    const dir = path.join(c.dataDir, 'mailpit');
    fs.mkdirSync(dir, { recursive: true });
    const max = String(Number.parseInt(c.env.SG_MAILPIT_MAX ?? '', 10) || 20000);
    log('mailpit', `starting Mailpit ${MAILPIT_VERSION}: SMTP 127.0.0.1:${c.ports.smtp}, UI/API http://127.0.0.1:${c.ports.mailpitHttp}`);
    const p = spawnDetached(
      c,
      'mailpit',
      bin,
      [
        '--smtp', `127.0.0.1:${c.ports.smtp}`,
        '--listen', `127.0.0.1:${c.ports.mailpitHttp}`,
        '--database', path.join(dir, 'mailpit.db'),
        '--max', max,
        // Any AUTH is accepted (a service configured with credentials still sends), and plain AUTH without TLS on loopback.
        '--smtp-auth-accept-any',
        '--smtp-auth-allow-insecure',
        '--disable-version-check',
        '--quiet',
      ],
      { cwd: dir },
    );
    const ok = await waitFor(() => probe(c), { timeoutMs: 30_000, exited: p.exited });
    if (!ok) throw fail('mailpit', p.exited() ? `mailpit exited (${JSON.stringify(p.exited())})` : 'no SMTP greeting and /livez within 30s', logFile);
    return { pid: p.pid };
  },
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 10_000,
};
