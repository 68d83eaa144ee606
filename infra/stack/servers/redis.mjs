// Redis: the machine's redis-server (apt-get install redis-server if missing), no persistence.

import fs from 'node:fs';
import path from 'node:path';
import { aptInstall, fail, spawnDetached, tcpExchange, waitFor, which } from '../core.mjs';

async function redisPing(port) {
  const r = await tcpExchange(port, Buffer.from('*1\r\n$4\r\nPING\r\n'), (b) => (b.includes('\r\n') ? b.toString() : undefined));
  return typeof r === 'string' && r.startsWith('+PONG');
}

export default {
  name: 'redis',
  ports: [{ key: 'redis', env: 'SG_REDIS_PORT', default: 6379, meaning: 'Redis port' }],
  env: (c) => ({ REDIS_URL: `redis://127.0.0.1:${c.ports.redis}` }),
  cmdline: 'redis-server',
  probe: (c) => redisPing(c.ports.redis),
  portBusyMessage: async (c) => `port ${c.ports.redis} is taken by something that does not answer Redis PING; free it or set SG_REDIS_PORT`,
  async start(c, { log, logFile }) {
    let bin = which('redis-server', ['/usr/bin', '/usr/local/bin']);
    if (!bin) {
      await aptInstall('redis', ['redis-server'], log, logFile);
      bin = which('redis-server', ['/usr/bin', '/usr/local/bin']);
      if (!bin) throw fail('redis', 'redis-server not found after apt-get install redis-server', logFile);
    }
    const dir = path.join(c.dataDir, 'redis');
    fs.mkdirSync(dir, { recursive: true });
    const args = ['--port', String(c.ports.redis), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', '', '--maxclients', '2000'];
    log('redis', `starting ${bin} on 127.0.0.1:${c.ports.redis}`);
    const p = spawnDetached(c, 'redis', bin, args, { cwd: dir });
    const ok = await waitFor(() => redisPing(c.ports.redis), { timeoutMs: 20_000, exited: p.exited });
    if (!ok) throw fail('redis', p.exited() ? `redis-server exited (${JSON.stringify(p.exited())})` : 'no PONG within 20s', logFile);
    return { pid: p.pid };
  },
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 15_000,
};
