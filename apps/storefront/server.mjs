#!/usr/bin/env node
// Serves the built storefront (dist/) and forwards /graphql — HTTP and the graphql-ws websocket —
// to the gateway, so the app always talks to its own origin (as behind the k8s ingress). Plain
// Node, no dependencies, no file watching: idle, it does nothing.
//   STOREFRONT_PORT or PORT (5173), STOREFRONT_HOST or HOST (127.0.0.1), GATEWAY_URL (http://127.0.0.1:4000),
//   STOREFRONT_DIST (the built files: public/ beside this file, else dist/public/)
// /health/live and /health/ready answer 200 (the files are in memory; the gateway has its own checks).
// Files are read once and kept in memory with their gzip and brotli forms; /assets/* (hashed
// names) are cached for a year, index.html never. Any other path is the app (index.html).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt']);

/**
 * Every file under dir, keyed by URL path, with its compressed forms: the build's `.gz`/`.br`
 * beside it (scripts/copy-server.mjs), else made here (quick settings: start-up stays short).
 */
export function loadFiles(dir) {
  const files = new Map();
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) {
        if (name !== '.vite') walk(full);
        continue;
      }
      if (name.endsWith('.gz') || name.endsWith('.br')) continue;
      const body = readFileSync(full);
      const ext = path.extname(name);
      const entry = { body, type: TYPES[ext] ?? 'application/octet-stream', immutable: full.includes(`${path.sep}assets${path.sep}`) };
      if (COMPRESSIBLE.has(ext) && body.length > 512) {
        entry.gzip = existsSync(`${full}.gz`) ? readFileSync(`${full}.gz`) : zlib.gzipSync(body, { level: 6 });
        entry.br = existsSync(`${full}.br`) ? readFileSync(`${full}.br`) : zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
      }
      files.set(`/${path.relative(dir, full).split(path.sep).join('/')}`, entry);
    }
  };
  walk(dir);
  return files;
}

/** Starts the server; resolves with { url, close() }. */
export function startStorefrontServer({ dist, port = 5173, host = '127.0.0.1', gatewayUrl = 'http://127.0.0.1:4000' } = {}) {
  const files = loadFiles(dist);
  const index = files.get('/index.html');
  if (!index) throw new Error(`${dist}/index.html is missing: build the storefront first (npm run build -w apps/storefront)`);
  const gateway = new URL(gatewayUrl);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/graphql' || url.pathname.startsWith('/graphql/')) return proxy(req, res);
    if (url.pathname === '/health/live' || url.pathname === '/health/ready') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let file = files.get(url.pathname);
    // A missing asset is a 404 (not the app: a stale chunk must fail visibly); any page path is the app.
    if (!file && (url.pathname.startsWith('/assets/') || path.extname(url.pathname))) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    file ??= index;
    const accept = String(req.headers['accept-encoding'] ?? '');
    const encoding = file.br && /\bbr\b/.test(accept) ? 'br' : file.gzip && /\bgzip\b/.test(accept) ? 'gzip' : null;
    const body = encoding ? file[encoding] : file.body;
    res.writeHead(200, {
      'content-type': file.type,
      'content-length': body.length,
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(file === index ? { 'referrer-policy': 'same-origin', 'x-frame-options': 'DENY' } : {}),
      ...(encoding ? { 'content-encoding': encoding, vary: 'accept-encoding' } : { vary: 'accept-encoding' }),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });

  /** HTTP to the gateway, headers and body passed through (the client's address in X-Forwarded-For). */
  function proxy(req, res) {
    const upstream = http.request(
      {
        host: gateway.hostname,
        port: gateway.port || 80,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: gateway.host, 'x-forwarded-for': forwardedFor(req) },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'The shop is not reachable right now', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }));
    });
    req.pipe(upstream);
  }

  const forwardedFor = (req) => [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');

  // The graphql-ws websocket: the upgrade request is replayed to the gateway, then bytes flow both ways.
  server.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/graphql')) return socket.destroy();
    const up = net.connect(Number(gateway.port || 80), gateway.hostname, () => {
      const headers = { ...req.headers, host: gateway.host, 'x-forwarded-for': forwardedFor(req) };
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (const [k, v] of Object.entries(headers)) for (const value of [v].flat()) raw += `${k}: ${value}\r\n`;
      up.write(`${raw}\r\n`);
      if (head?.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.setNoDelay(true);
    socket.setNoDelay(true);
    const close = () => {
      up.destroy();
      socket.destroy();
    };
    up.on('error', close);
    socket.on('error', close);
    up.on('close', close);
    socket.on('close', close);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolve({
        url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}`,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  // Run as dist/index.js (the build copies it there; the Docker image runs that), the files are
  // beside it in public/; run from the app's directory, in dist/public/.
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dist = process.env.STOREFRONT_DIST ?? (existsSync(path.join(here, 'public', 'index.html')) ? path.join(here, 'public') : path.join(here, 'dist', 'public'));
  const { url } = await startStorefrontServer({
    dist,
    port: Number(process.env.STOREFRONT_PORT ?? process.env.PORT ?? 5173),
    host: process.env.STOREFRONT_HOST ?? process.env.HOST ?? '127.0.0.1',
    gatewayUrl: process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000',
  });
  console.log(JSON.stringify({ level: 'info', msg: 'storefront serving', url, gateway: process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000' }));
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
