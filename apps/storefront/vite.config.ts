import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `vite` (dev, port 5173) proxies /graphql (HTTP and websocket) to the gateway, as server.mjs does
// for the built files in `npm start`, docker-compose and behind the k8s ingress: the app always
// talks to its own origin.
const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  plugins: [react()],
  // dist/public: the static files; dist/index.js: server.mjs, which serves them (scripts/copy-server.mjs).
  build: { outDir: 'dist/public', emptyOutDir: true, manifest: true, sourcemap: false, target: 'es2022' },
  server: { port: 5173, proxy: { '/graphql': { target: gateway, ws: true } } },
});
