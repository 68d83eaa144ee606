// Debian's Chromium for the storefront's browser tests (Playwright drives it; it never downloads
// browsers). Not a server of the stack: a tool installed once with apt, like the stack's
// PostgreSQL and Redis, so that a fresh clone's `npm test` has it.
//
//   node infra/stack/stack.mjs chromium      installs it if missing, prints its path
//
// SG_CHROMIUM=/path/to/chromium uses another binary (nothing is installed then).

import fs from 'node:fs';
import path from 'node:path';
import { StackError, aptInstall, makeLog, resolveConfig, which } from './core.mjs';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The Chromium binary to drive: SG_CHROMIUM, else /usr/bin/chromium (apt-get install chromium when missing). */
export async function ensureChromium(env = process.env) {
  if (env.SG_CHROMIUM) {
    if (!fs.existsSync(env.SG_CHROMIUM)) throw new StackError(`chromium: SG_CHROMIUM=${env.SG_CHROMIUM} does not exist`);
    return env.SG_CHROMIUM;
  }
  const found = fs.existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : which('chromium');
  if (found) return found;
  const cfg = resolveConfig([], { env });
  fs.mkdirSync(cfg.logs, { recursive: true });
  const logFile = path.join(cfg.logs, 'chromium-install.log');
  await aptInstall('chromium', ['chromium'], makeLog(cfg), logFile);
  if (!fs.existsSync(CHROMIUM_PATH)) throw new StackError(`chromium: apt-get installed chromium but ${CHROMIUM_PATH} is missing (log: ${logFile})`);
  return CHROMIUM_PATH;
}
