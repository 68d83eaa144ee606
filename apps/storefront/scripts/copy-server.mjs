// The build's last step: server.mjs becomes dist/index.js, so the built app is one directory
// (dist/index.js + dist/public/) that `node dist/index.js` serves — what the Docker image runs.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
copyFileSync(path.join(app, 'server.mjs'), path.join(app, 'dist/index.js'));
console.log('[storefront] dist/index.js (server.mjs) serves dist/public/');
