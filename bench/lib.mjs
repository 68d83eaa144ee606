// Shared by the bench scripts: arguments, a GraphQL client, percentiles, and a gateway to talk to.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `--name value` pairs of the command line. */
export const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);

export const gatewayUrl = args.url ?? 'http://localhost:4000/graphql';

/** POSTs one operation to the gateway (or `url`); returns `data`, throws on GraphQL errors. */
export async function gql(query, variables = {}, token, url = gatewayUrl) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Prints count, p50/p95/p99, mean and max of latency samples in milliseconds. */
export function report(name, samples, width = 44) {
  if (samples.length === 0) return console.log(`${name.padEnd(width)} n=   0`);
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const ms = (v) => `${v.toFixed(1)}ms`;
  console.log(
    `${name.padEnd(width)} n=${String(s.length).padStart(4)}  p50=${ms(pct(s, 50))}  p95=${ms(pct(s, 95))}  p99=${ms(pct(s, 99))}  mean=${ms(mean)}  max=${ms(s[s.length - 1])}`,
  );
}

async function gatewayUp() {
  try {
    return (await fetch(new URL('/health/ready', gatewayUrl))).ok;
  } catch {
    return false;
  }
}

/** Uses a gateway already answering, or starts everything with `npm start`; returns that child (or null). */
export async function ensureGateway() {
  if (await gatewayUp()) return null;
  console.log('[bench] no gateway answering; starting one with `npm start`…');
  const child = spawn(process.execPath, [path.join(root, 'scripts/shopgraph.mjs'), 'start'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 600_000;
  while (!(await gatewayUp())) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('gateway did not come up');
    await new Promise((r) => setTimeout(r, 1000));
  }
  return child;
}

/** A port that is free right now (the OS picks it). */
export const freePort = () =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** Appends `block` at the end of `section` (a `## …` heading) of bench/RESULTS.md, creating the section if missing. */
export function recordInResults(section, block) {
  const file = path.join(root, 'bench/RESULTS.md');
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(section);
  if (at < 0) writeFileSync(file, `${text.trimEnd()}\n\n${section}\n${block}`);
  else {
    const next = text.indexOf('\n## ', at + section.length);
    const cut = next < 0 ? text.length : next;
    writeFileSync(file, `${text.slice(0, cut).trimEnd()}\n${block}${text.slice(cut)}`);
  }
}
