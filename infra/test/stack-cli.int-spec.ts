/**
 * The launcher's server registry through its CLI (the same entry point `npm run stack` and the
 * fault suite use): every server of servers/index.mjs declares distinct port variables, `env`
 * is the union of what the servers give the apps, port overrides reach both, and `status` on
 * the running stack answers for every server. Read-only: nothing is started or stopped.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const CLI = path.resolve(__dirname, '../stack/stack.mjs');

/** Runs the CLI; the caller's SG_*_PORT are dropped (defaults are asserted) unless `inheritPorts`. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}, inheritPorts = false): { code: number | null; out: string; err: string } {
  const base = { ...process.env };
  if (!inheritPorts) for (const k of Object.keys(base)) if (/^SG_.*_PORT$/.test(k)) delete base[k];
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Described {
  name: string;
  optional: boolean;
  ports: { key: string; env: string; default: number | null; port: number }[];
  settings: { env: string }[];
  env: Record<string, string>;
}

const describeStack = (env: NodeJS.ProcessEnv = {}): Described[] => JSON.parse(cli(['describe'], env).out);
const parseEnv = (out: string) =>
  Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

it('describe lists the four base servers with distinct port keys and variables', () => {
  const servers = describeStack();
  expect(servers.map((s) => s.name)).toEqual(expect.arrayContaining(['postgres', 'redis', 'kafka', 'mongo']));
  const ports = servers.flatMap((s) => s.ports);
  expect(new Set(ports.map((p) => p.key)).size).toBe(ports.length);
  expect(new Set(ports.map((p) => p.env)).size).toBe(ports.length);
  expect(new Set(ports.map((p) => p.port)).size).toBe(ports.length);
  for (const p of ports) expect(p.env).toMatch(/^SG_[A-Z_]+_PORT$/);
  const kafka = servers.find((s) => s.name === 'kafka')!;
  expect(kafka.ports.map((p) => [p.key, p.port])).toEqual([
    ['kafka', 9092],
    ['kafkaController', 9093],
  ]);
});

it("env is the union of the servers' env, and a port override reaches it (controller follows the broker)", () => {
  const servers = describeStack();
  const env = parseEnv(cli(['env']).out);
  expect(env).toEqual(Object.assign({}, ...servers.map((s) => s.env)));
  expect(env).toMatchObject({ PG_URL: 'postgres://shopgraph:shopgraph@127.0.0.1:5432', KAFKA_BROKERS: '127.0.0.1:9092' });

  const moved = { SG_PG_PORT: '15432', SG_KAFKA_PORT: '19092', SG_MONGO_PORT: '17017', SG_REDIS_PORT: '16379' };
  expect(parseEnv(cli(['env'], moved).out)).toMatchObject({
    PG_URL: 'postgres://shopgraph:shopgraph@127.0.0.1:15432',
    REDIS_URL: 'redis://127.0.0.1:16379',
    KAFKA_BROKERS: '127.0.0.1:19092',
    MONGO_URL: 'mongodb://127.0.0.1:17017',
  });
  expect(describeStack(moved).find((s) => s.name === 'kafka')!.ports[1].port).toBe(19093);
});

it('status answers for every server of the running stack; an unknown server or command is refused', () => {
  const described = describeStack();
  const servers = described.map((s) => s.name);
  const status = cli(['status'], {}, true); // the stack the tests run against
  expect(status.code).toBe(0);
  // Optional servers (jaeger) run only when asked for; status lists them either way.
  for (const { name, optional } of described) {
    expect(status.out).toMatch(new RegExp(optional ? `^${name}\\s+\\S` : `^${name}\\s+running \\((ours|external)\\)`, 'm'));
  }
  const bad = cli(['status', 'nosuchserver']);
  expect(bad.code).toBe(1);
  expect(bad.err).toContain('unknown service(s): nosuchserver');
  expect(cli(['bogus']).code).toBe(2);
  expect(cli(['bogus', '--x']).err).toContain(`services: ${servers.join(', ')}`);
  expect(cli(['env'], { SG_PG_PORT: 'x' }).code).toBe(1);
});
