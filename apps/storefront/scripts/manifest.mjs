#!/usr/bin/env node
// The gateway's trusted-documents manifest for this app, built from the operations collection
// (src/operations/**/*.graphql) with @apollo/generate-persisted-query-manifest: each operation with
// the fragments it uses, in the exact text Apollo Client sends (its document transforms applied,
// __typename added), id = sha256 of that text. Writes
//   trusted-documents.json      apollo-persisted-query-manifest v1: list it in the gateway's
//                               TRUSTED_DOCUMENTS_PATHS (committed; a test checks it is current)
//   src/gql/persisted-ids.json  operation name -> id: what the app sends instead of the text
// `--check` writes nothing and fails when either file differs from what the collection gives.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePersistedQueryManifest } from '@apollo/generate-persisted-query-manifest';

const here = path.dirname(fileURLToPath(import.meta.url));
const app = path.resolve(here, '..');
process.chdir(app);

const manifest = await generatePersistedQueryManifest({ documents: ['src/operations/**/*.graphql'] });
const names = new Set();
for (const op of manifest.operations) {
  if (names.has(op.name)) throw new Error(`two operations named ${op.name}: names identify the app's persisted queries`);
  names.add(op.name);
}
const files = {
  'trusted-documents.json': `${JSON.stringify(manifest, null, 2)}\n`,
  'src/gql/persisted-ids.json': `${JSON.stringify(Object.fromEntries(manifest.operations.map((op) => [op.name, op.id])), null, 2)}\n`,
};
const check = process.argv.includes('--check');
let stale = false;
for (const [file, text] of Object.entries(files)) {
  let old = null;
  try {
    old = readFileSync(file, 'utf8');
  } catch {}
  if (old === text) continue;
  if (check) {
    console.error(`[storefront] ${file} is not what src/operations gives: run npm run manifest -w apps/storefront`);
    stale = true;
  } else {
    writeFileSync(file, text);
    console.log(`[storefront] wrote ${file} (${manifest.operations.length} operations)`);
  }
}
if (stale) process.exit(1);
