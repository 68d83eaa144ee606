#!/usr/bin/env node
// Sums V8 CPU profiles (node --cpu-prof; bench/saga.mjs --cpu-prof DIR writes DIR/<service>/*.cpuprofile)
// by where the time was spent: a package under node_modules, Shopgraph's own code, node's
// internals, or the garbage collector. Idle time is left out. Prints one table per service.
//   node bench/profile-summary.mjs DIR [--top 12]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { args } from './lib.mjs';

const dir = process.argv[2];
if (!dir || dir.startsWith('--')) {
  console.error('usage: node bench/profile-summary.mjs DIR [--top 12]');
  process.exit(2);
}
const TOP = Number(args.top ?? 12);

/** The bucket a frame's script belongs to. */
function bucketOf(frame) {
  const url = frame.url ?? '';
  if (!url) return frame.functionName === '(garbage collector)' ? '(gc)' : frame.functionName === '(program)' ? '(program)' : '(native)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const own = /\/(subgraphs|packages|gateway|apps|tools)\/([^/]+)?/.exec(url);
  if (own) return own[1] === 'gateway' ? 'shopgraph:gateway' : `shopgraph:${own[2]}`;
  return 'other';
}

/** Self time (ms) per bucket of one profile, idle excluded. */
function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const bucket = bucketOf(node.callFrame);
    totals.set(bucket, (totals.get(bucket) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return totals;
}

const services = readdirSync(dir).filter((n) => statSync(path.join(dir, n)).isDirectory());
for (const service of services.length ? services : ['.']) {
  const totals = new Map();
  for (const file of readdirSync(path.join(dir, service)).filter((f) => f.endsWith('.cpuprofile'))) {
    for (const [bucket, ms] of summarise(JSON.parse(readFileSync(path.join(dir, service, file), 'utf8')))) totals.set(bucket, (totals.get(bucket) ?? 0) + ms);
  }
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  if (all === 0) continue;
  console.log(`\n${service}: ${(all / 1000).toFixed(2)} s busy`);
  for (const [bucket, ms] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`  ${((100 * ms) / all).toFixed(1).padStart(5)} %  ${(ms / 1000).toFixed(2).padStart(7)} s  ${bucket}`);
  }
}
