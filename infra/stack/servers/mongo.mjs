// The MongoDB-wire server: mongod if it is on PATH, otherwise FerretDB v1 on SQLite, built once
// with Go into <cache>/ferretdb-<version>.

import fs from 'node:fs';
import path from 'node:path';
import { fail, runOk, secs, spawnDetached, tcpExchange, waitFor, which } from '../core.mjs';

/** Last FerretDB v1 release (v2 needs PostgreSQL with the DocumentDB extension). */
export const FERRETDB_VERSION = 'v1.24.0';

/** Minimal BSON for the one document we send: { hello: 1, $db: "admin" }. */
function bsonHello() {
  const parts = [];
  const el = (type, name, val) => parts.push(Buffer.from([type]), Buffer.from(name + '\0'), val);
  const i32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return b;
  };
  el(0x10, 'hello', i32(1));
  const s = Buffer.from('admin\0');
  el(0x02, '$db', Buffer.concat([i32(s.length), s]));
  const inner = Buffer.concat(parts);
  return Buffer.concat([i32(inner.length + 5), inner, Buffer.from([0])]);
}

/** Reads the top-level "ok" field of a BSON document (double/int32/int64/bool); undefined if absent. */
function bsonOk(doc) {
  let o = 4;
  const end = doc.readInt32LE(0) - 1;
  while (o < end) {
    const type = doc[o++];
    const nameEnd = doc.indexOf(0, o);
    const name = doc.toString('utf8', o, nameEnd);
    o = nameEnd + 1;
    const take = (n) => {
      const v = o;
      o += n;
      return v;
    };
    let val;
    switch (type) {
      case 0x01: val = doc.readDoubleLE(take(8)); break;
      case 0x02: case 0x0d: case 0x0e: take(4 + doc.readInt32LE(o)); break;
      case 0x03: case 0x04: take(doc.readInt32LE(o)); break;
      case 0x05: take(5 + doc.readInt32LE(o)); break;
      case 0x07: take(12); break;
      case 0x08: val = doc[take(1)] === 1 ? 1 : 0; break;
      case 0x09: case 0x11: take(8); break;
      case 0x12: val = Number(doc.readBigInt64LE(take(8))); break;
      case 0x10: val = doc.readInt32LE(take(4)); break;
      case 0x13: take(16); break;
      case 0x0a: case 0x06: case 0xff: case 0x7f: break;
      case 0x0b: { const a = doc.indexOf(0, o); const b = doc.indexOf(0, a + 1); o = b + 1; break; }
      default: return undefined; // unknown type: give up
    }
    if (name === 'ok') return val;
  }
  return undefined;
}

/** MongoDB wire: OP_MSG { hello: 1 } and check the reply has ok: 1. */
async function mongoHello(port) {
  const doc = bsonHello();
  const msg = Buffer.alloc(16 + 4 + 1 + doc.length);
  msg.writeInt32LE(msg.length, 0);
  msg.writeInt32LE(7, 4); // requestID
  msg.writeInt32LE(0, 8); // responseTo
  msg.writeInt32LE(2013, 12); // OP_MSG
  msg.writeUInt32LE(0, 16); // flagBits
  msg[20] = 0; // section kind 0: body
  doc.copy(msg, 21);
  const r = await tcpExchange(port, msg, (b) => {
    if (b.length < 4 || b.length < b.readInt32LE(0)) return undefined;
    if (b.readInt32LE(12) !== 2013 || b.readInt32LE(8) !== 7) return false;
    try {
      return bsonOk(b.subarray(21)) === 1;
    } catch {
      return false;
    }
  });
  return r === true;
}

async function ensureFerretdb(c, { log, logFile }) {
  const home = path.join(c.cacheRoot, `ferretdb-${FERRETDB_VERSION}`);
  const bin = path.join(home, 'bin', 'ferretdb');
  if (fs.existsSync(bin)) return bin;
  const go = which('go', ['/usr/local/go/bin']);
  if (!go) throw fail('mongo', 'no mongod on PATH and FerretDB is not cached: Go is needed to build it (install golang-go or /usr/local/go)', null);
  log('mongo', `building FerretDB ${FERRETDB_VERSION} with Go (first run only)…`);
  const t0 = Date.now();
  const env = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' };
  // `go install …@version` fails here: it asks the proxy for the module's version list
  // (deprecation check), which the proxy refuses for this module (403). So: download the
  // module, build it from a writable copy with build/version/version.txt filled in
  // (FerretDB panics at start without it).
  const mod = `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`;
  const info = JSON.parse(await runOk('mongo', go, ['mod', 'download', '-json', mod], { env, logFile, timeoutMs: 15 * 60_000 }).then((o) => o.slice(o.indexOf('{'))));
  if (!info.Dir) throw fail('mongo', `go mod download ${mod} gave no directory: ${JSON.stringify(info)}`, logFile);
  const src = path.join(home, `src-${process.pid}`);
  fs.rmSync(src, { recursive: true, force: true });
  fs.mkdirSync(home, { recursive: true });
  fs.cpSync(info.Dir, src, { recursive: true });
  await runOk('mongo', 'chmod', ['-R', 'u+w', src], { logFile });
  fs.writeFileSync(path.join(src, 'build/version/version.txt'), `${FERRETDB_VERSION}\n`);
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  const tmpBin = `${bin}.tmp-${process.pid}`;
  await runOk('mongo', go, ['build', '-trimpath', '-o', tmpBin, './cmd/ferretdb'], { env, cwd: src, logFile, timeoutMs: 20 * 60_000 });
  fs.renameSync(tmpBin, bin);
  fs.rmSync(src, { recursive: true, force: true });
  log('mongo', `FerretDB built: ${bin} (${secs(t0)})`);
  return bin;
}

export default {
  name: 'mongo',
  ports: [{ key: 'mongo', env: 'SG_MONGO_PORT', default: 27017, meaning: 'MongoDB wire port' }],
  settings: [{ env: 'SG_FORCE_FERRETDB', default: '', meaning: 'use FerretDB even if mongod is on PATH' }],
  env: (c) => ({ MONGO_URL: `mongodb://127.0.0.1:${c.ports.mongo}` }),
  cmdline: /ferretdb|mongod/,
  probe: (c) => mongoHello(c.ports.mongo),
  portBusyMessage: async (c) => `port ${c.ports.mongo} is taken by something that does not answer a MongoDB hello; free it or set SG_MONGO_PORT`,
  async start(c, ctx) {
    const { log, logFile } = ctx;
    const mongod = c.env.SG_FORCE_FERRETDB ? null : which('mongod');
    let p;
    if (mongod) {
      const dir = path.join(c.dataDir, 'mongod');
      fs.mkdirSync(dir, { recursive: true });
      log('mongo', `starting ${mongod} on 127.0.0.1:${c.ports.mongo}`);
      p = spawnDetached(c, 'mongo', mongod, ['--bind_ip', '127.0.0.1', '--port', String(c.ports.mongo), '--dbpath', dir], { cwd: dir });
    } else {
      const bin = await ensureFerretdb(c, ctx);
      const dir = path.join(c.dataDir, 'ferretdb');
      const state = path.join(dir, 'state');
      const data = path.join(dir, 'sqlite');
      fs.mkdirSync(state, { recursive: true });
      fs.mkdirSync(data, { recursive: true });
      log('mongo', `starting FerretDB ${FERRETDB_VERSION} (SQLite backend) on 127.0.0.1:${c.ports.mongo}`);
      p = spawnDetached(
        c,
        'mongo',
        bin,
        [
          '--handler=sqlite',
          `--sqlite-url=file:${data}/`,
          `--listen-addr=127.0.0.1:${c.ports.mongo}`,
          `--state-dir=${state}`,
          '--telemetry=disable',
          '--debug-addr=-',
          '--log-level=warn',
        ],
        { cwd: dir },
      );
    }
    const ok = await waitFor(() => mongoHello(c.ports.mongo), { timeoutMs: 60_000, exited: p.exited });
    if (!ok) throw fail('mongo', p.exited() ? `server exited (${JSON.stringify(p.exited())})` : 'no hello reply within 60s', logFile);
    return { pid: p.pid };
  },
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 15_000,
};

