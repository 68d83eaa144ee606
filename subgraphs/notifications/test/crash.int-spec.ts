import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Admin, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { createLogger } from '@shopgraph/kit';
import { createKafka, createProducer, publish, topicsIn } from '@shopgraph/events';
import { createTestDatabase, eventually, stackEnv, testNamespace, uniqueId } from '@shopgraph/testkit';
import { event, newUser, serviceEnv } from './fixtures/notifications-harness';
import { mailpitEnv, mailsTo, waitForMails } from './fixtures/mailpit';
import { smtpProxy, type SmtpProxy } from './fixtures/smtp-proxy';

jest.setTimeout(120_000);

const ENTRY = path.resolve(__dirname, '../dist/index.js');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The notifications subgraph as a real process (dist/index.js), so it can be SIGKILLed mid-send. */
async function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; exited: Promise<unknown> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [ENTRY], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => ((await fetch(`${url}/health/ready`)).status === 200 ? true : undefined), 60_000, 200);
  return { child, url, exited };
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: SmtpProxy;
let producer: Producer;
let admin: Admin;
let pool: Pool;
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase('notifications');
  proxy = await smtpProxy({ host: mailpitEnv.smtpHost, port: mailpitEnv.smtpPort });
  const kafka = createKafka(stackEnv.kafkaBrokers, 'notifications-crash-test', createLogger('test', 'silent'));
  producer = await createProducer(kafka);
  admin = kafka.admin();
  await admin.connect();
  pool = new Pool({ connectionString: db.url, max: 2 });
  // Its clients may still be closing when the test database is dropped WITH (FORCE): that error is expected.
  pool.on('error', () => undefined);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.allSettled([producer?.disconnect(), admin?.disconnect(), pool?.end(), proxy?.close()]);
  await db?.drop();
});

it('sends exactly one mail when the process is killed mid-send and the event is redelivered', async () => {
  const env = serviceEnv(db.url, proxy.port, uniqueId('notifications'), { LOG_LEVEL: process.env.SG_TEST_LOG_LEVEL ?? 'silent' });
  const first = await startProcess(env);
  children.push(first.child);

  // The message is fully written to the SMTP server but not yet accepted when the process dies.
  proxy.mode = 'holdData';
  const user = newUser();
  const registered = event('UserRegistered', user.userId, user, 'users');
  await publish(producer, [registered], testNamespace());
  await eventually(async () => (proxy.held === 1 ? true : undefined), 20_000);
  const [inFlight] = (await pool.query('SELECT status, attempts, in_flight FROM notifications WHERE id = $1', [registered.id])).rows;
  expect(inFlight).toEqual({ status: 'PENDING', attempts: 1, in_flight: true });

  first.child.kill('SIGKILL');
  await first.exited;
  proxy.dropHeld();
  proxy.mode = 'pass';
  expect(await mailsTo(user.email)).toHaveLength(0);

  // The event comes again (a redelivery), and the process comes back.
  await publish(producer, [registered], testNamespace());
  const second = await startProcess(env);
  children.push(second.child);

  const [mail] = await waitForMails(user.email, 1, 30_000);
  expect(mail!.MessageID).toBe(`${registered.id}@shopgraph.local`);
  const sent = await eventually(async () => {
    const [row] = (await pool.query('SELECT status, attempts, in_flight FROM notifications WHERE id = $1', [registered.id])).rows;
    return row.status === 'SENT' ? row : undefined;
  });
  expect(sent).toEqual({ status: 'SENT', attempts: 2, in_flight: false });

  // Wait until the restarted process has consumed every message of users.v1 (the redelivery included)...
  const topic = topicsIn(testNamespace()).users;
  await eventually(async () => {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
    const [committed] = await admin.fetchOffsets({ groupId: testNamespace().group(env.KAFKA_GROUP_ID!), topics: [topic] });
    // An empty partition has nothing to commit (-1 against an end of 0).
    return committed!.partitions.every((p) => p.offset === ends.get(p.partition) || ends.get(p.partition) === '0') ? true : undefined;
  }, 30_000);
  // ...and give a duplicate every chance to arrive: still exactly one mail.
  await new Promise((r) => setTimeout(r, 1500));
  expect(await mailsTo(user.email)).toHaveLength(1);

  const metrics = await (await fetch(`${second.url}/metrics`)).text();
  expect(metrics).toMatch(/^notifications_interrupted_sends_total(\{[^}]*\})? 1$/m);
  const count = Number(/^notifications_unrecorded_window_seconds_count(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1]);
  const sum = Number(/^notifications_unrecorded_window_seconds_sum(?:\{[^}]*\})? ([\d.e-]+)/m.exec(metrics)?.[1]);
  expect(count).toBe(1);
  // The residual duplicate window (accepted by SMTP -> SENT committed): one UPDATE, well under a second.
  expect(sum).toBeLessThan(1);
  console.log(`residual window (SMTP accepted -> SENT committed): ${(sum * 1000).toFixed(2)} ms`);

  second.child.kill('SIGTERM');
  await second.exited;
});
