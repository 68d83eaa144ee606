// Builds (once) and finds the two tools the k8s manifest test needs, cached in
// ~/.cache/shopgraph/bin (SHOPGRAPH_CACHE_DIR overrides ~/.cache/shopgraph):
//   kustomize-v5.7.1   `go install sigs.k8s.io/kustomize/kustomize/v5@v5.7.1`
//   k8s-check-<hash>   this directory's strict decoder (k8s.io/api types), keyed by its sources
// Only this machine's Go and the Go module proxy are needed. Usage: node infra/k8s-check/tools.mjs
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export const KUSTOMIZE_VERSION = 'v5.7.1';

function cacheDir() {
  const dir = join(process.env.SHOPGRAPH_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'shopgraph'), 'bin');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function goBinary() {
  if (process.env.GO) return process.env.GO;
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
}

// Never a toolchain download, and a build cache of our own when the user has none.
const goEnv = () => ({ ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' });

/** Builds into a temp dir, then renames into place: concurrent runs never see half a binary. */
async function buildInto(target, build) {
  if (existsSync(target)) return target;
  const tmp = mkdtempSync(join(dirname(target), '.build-'));
  try {
    const built = await build(tmp);
    renameSync(built, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return target;
}

/** kustomize v5.7.1, built with `go install` on first use. */
export function ensureKustomize() {
  return buildInto(join(cacheDir(), `kustomize-${KUSTOMIZE_VERSION}`), async (tmp) => {
    await run(goBinary(), ['install', '-trimpath', `sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}`], {
      env: { ...goEnv(), GOBIN: tmp, GOFLAGS: '' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return join(tmp, 'kustomize');
  });
}

/** The strict decoder, rebuilt whenever its sources or module files change. */
export function ensureK8sCheck() {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(here, file)));
  return buildInto(join(cacheDir(), `k8s-check-${hash.digest('hex').slice(0, 12)}`), async (tmp) => {
    const out = join(tmp, 'k8s-check');
    await run(goBinary(), ['build', '-trimpath', '-o', out, '.'], { cwd: here, env: goEnv(), maxBuffer: 16 * 1024 * 1024 });
    return out;
  });
}

/** Both tools, built in parallel on first use. */
export async function ensureK8sTools() {
  const [kustomize, check] = await Promise.all([ensureKustomize(), ensureK8sCheck()]);
  return { kustomize, check };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const tools = await ensureK8sTools();
  console.log(JSON.stringify({ ...tools, seconds: Math.round((Date.now() - started) / 1000) }));
}
