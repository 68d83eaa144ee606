// The build's last step: server.mjs becomes dist/index.js, so the built app is one directory
// (dist/index.js + dist/public/) that `node dist/index.js` serves — what the Docker image runs.
// The text files of dist/public are compressed here once (gzip -9 and brotli 11 beside each,
// `.gz`/`.br`), so the server starts at once and sends them as they are.
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
copyFileSync(path.join(app, 'server.mjs'), path.join(app, 'dist/index.js'));

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt']);
let count = 0;
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== '.vite') walk(full);
      continue;
    }
    if (!COMPRESSIBLE.has(path.extname(name))) continue;
    const body = readFileSync(full);
    if (body.length <= 512) continue;
    writeFileSync(`${full}.gz`, zlib.gzipSync(body, { level: 9 }));
    writeFileSync(`${full}.br`, zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
    count += 1;
  }
};
walk(path.join(app, 'dist/public'));
console.log(`[storefront] dist/index.js (server.mjs) serves dist/public/ (${count} files precompressed)`);
