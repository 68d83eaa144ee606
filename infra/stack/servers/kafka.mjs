// Apache Kafka: one KRaft node (broker + controller) on a JDK, jars from Maven Central via
// infra/kafka/pom.xml, cached in <cache>/kafka-<version>.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, fail, portInUse, runOk, secs, spawnDetached, tcpExchange, waitFor, which } from '../core.mjs';

/** Newest Kafka release kafkajs 2.2.4 was verified against (produce, groups, commits, admin, txns). */
export const KAFKA_VERSION = '4.4.0';

/** Raw Kafka ApiVersions v0 request; true when the broker answers with error_code 0 and a non-empty API list. */
async function kafkaApiVersions(port) {
  const clientId = Buffer.from('shopgraph-stack');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  let o = 0;
  o = body.writeInt16BE(18, o); // api_key ApiVersions
  o = body.writeInt16BE(0, o); // api_version 0
  o = body.writeInt32BE(4242, o); // correlation id
  o = body.writeInt16BE(clientId.length, o);
  clientId.copy(body, o);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  const r = await tcpExchange(port, Buffer.concat([size, body]), (b) => {
    if (b.length < 4 || b.length < 4 + b.readInt32BE(0)) return undefined;
    if (b.readInt32BE(4) !== 4242) return false;
    const err = b.readInt16BE(8);
    const n = b.readInt32BE(10);
    return err === 0 && n > 0;
  });
  return r === true;
}

function javaBin() {
  if (process.env.JAVA_HOME && fs.existsSync(path.join(process.env.JAVA_HOME, 'bin/java'))) return path.join(process.env.JAVA_HOME, 'bin/java');
  return which('java');
}

async function ensureKafkaJars(c, { log, logFile }) {
  const home = path.join(c.cacheRoot, `kafka-${KAFKA_VERSION}`);
  const libs = path.join(home, 'libs');
  if (fs.existsSync(path.join(home, '.complete'))) return libs;
  const mvn = which('mvn');
  if (!mvn) throw fail('kafka', 'the Kafka jars are not cached and `mvn` is not on PATH (install maven)', null);
  log('kafka', `downloading jars from Maven Central (first run only, kafka ${KAFKA_VERSION})…`);
  const t0 = Date.now();
  fs.mkdirSync(home, { recursive: true });
  const tmp = `${libs}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await runOk(
    'kafka',
    mvn,
    ['-q', '-B', '-Dstyle.color=never', '-f', path.join(REPO, 'infra/kafka/pom.xml'), `-Dkafka.version=${KAFKA_VERSION}`, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`, '-DincludeScope=runtime'],
    { logFile, timeoutMs: 20 * 60_000, cwd: path.join(REPO, 'infra/kafka') },
  );
  if (!fs.existsSync(path.join(tmp, `kafka_2.13-${KAFKA_VERSION}.jar`))) throw fail('kafka', `mvn finished but kafka_2.13-${KAFKA_VERSION}.jar is not in ${tmp}`, logFile);
  fs.rmSync(libs, { recursive: true, force: true });
  fs.renameSync(tmp, libs);
  fs.writeFileSync(path.join(home, '.complete'), `${new Date().toISOString()}\n`);
  log('kafka', `jars cached in ${libs} (${secs(t0)})`);
  return libs;
}

/**
 * SG_KAFKA_PROXIED=<port>:<advertised port> (the fault suite sets it on its private stack): the
 * broker also listens on <port> and tells clients that came in there that it is at <advertised
 * port>, where Toxiproxy forwards to <port>. Without it a client bootstrapping through a proxy
 * would be sent to the PLAINTEXT port and bypass the proxy after its first request.
 */
function proxiedListener(c) {
  const value = c.env.SG_KAFKA_PROXIED ?? '';
  if (value === '') return null;
  const m = /^(\d+):(\d+)$/.exec(value);
  if (!m) throw fail('kafka', `SG_KAFKA_PROXIED=${value}: expected <port>:<advertised port>`, null);
  return { port: Number(m[1]), advertised: Number(m[2]) };
}

export default {
  name: 'kafka',
  ports: [
    { key: 'kafka', env: 'SG_KAFKA_PORT', default: 9092, meaning: 'Kafka PLAINTEXT listener' },
    { key: 'kafkaController', env: 'SG_KAFKA_CONTROLLER_PORT', default: (ports) => ports.kafka + 1, meaning: 'KRaft controller listener (default: Kafka port + 1)' },
  ],
  settings: [
    { env: 'SG_KAFKA_HEAP', default: '768m', meaning: 'broker -Xmx' },
    {
      env: 'SG_KAFKA_PROXIED',
      default: '',
      meaning: '<port>:<advertised port>: a second listener on <port> that advertises <advertised port>, where a proxy (Toxiproxy) forwards to it, so clients bootstrapping there stay behind the proxy (fault suite; unset: none)',
    },
  ],
  env: (c) => ({ KAFKA_BROKERS: `127.0.0.1:${c.ports.kafka}` }),
  cmdline: 'kafka.Kafka',
  probe: (c) => kafkaApiVersions(c.ports.kafka),
  portBusyMessage: async (c) => `port ${c.ports.kafka} is taken by something that does not answer a Kafka ApiVersions request; free it or set SG_KAFKA_PORT`,
  async start(c, ctx) {
    const { log, logFile } = ctx;
    const java = javaBin();
    if (!java) throw fail('kafka', 'java not found (JDK 17+ needed); install openjdk-17-jre-headless', null);
    if (await portInUse(c.ports.kafkaController)) throw fail('kafka', `controller port ${c.ports.kafkaController} is taken; set SG_KAFKA_CONTROLLER_PORT`, null);
    const libs = await ensureKafkaJars(c, ctx);
    const dir = path.join(c.dataDir, 'kafka');
    const logDir = path.join(dir, 'data');
    fs.mkdirSync(logDir, { recursive: true });
    const props = path.join(dir, 'server.properties');
    const proxied = proxiedListener(c);
    fs.writeFileSync(
      props,
      [
        '# generated by infra/stack/servers/kafka.mjs on every start',
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${c.ports.kafkaController}`,
        `listeners=PLAINTEXT://127.0.0.1:${c.ports.kafka},CONTROLLER://127.0.0.1:${c.ports.kafkaController}${proxied ? `,PROXIED://127.0.0.1:${proxied.port}` : ''}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${c.ports.kafka}${proxied ? `,PROXIED://127.0.0.1:${proxied.advertised}` : ''}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${proxied ? ',PROXIED:PLAINTEXT' : ''}`,
        `log.dirs=${logDir}`,
        'num.partitions=3',
        'default.replication.factor=1',
        'auto.create.topics.enable=true',
        'delete.topic.enable=true',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=10',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'transaction.state.log.num.partitions=5',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'num.network.threads=2',
        'num.io.threads=4',
        'log.retention.hours=24',
        'log.segment.bytes=16777216',
        '',
      ].join('\n'),
    );
    const log4j = path.join(dir, 'log4j2.properties');
    fs.writeFileSync(
      log4j,
      [
        'status = warn',
        'appender.out.type = Console',
        'appender.out.name = OUT',
        'appender.out.layout.type = PatternLayout',
        'appender.out.layout.pattern = [%d] %p %m (%c)%n',
        'rootLogger.level = INFO',
        'rootLogger.appenderRef.out.ref = OUT',
        'logger.config.name = org.apache.kafka.common.config.AbstractConfig',
        'logger.config.level = WARN',
        'logger.state.name = state.change.logger',
        'logger.state.level = WARN',
        'logger.controller.name = org.apache.kafka.controller',
        'logger.controller.level = WARN',
        '',
      ].join('\n'),
    );
    const jvm = [`-Xmx${c.env.SG_KAFKA_HEAP || '768m'}`, '-Xms256m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${log4j}`, '-cp', `${libs}/*`];
    if (!fs.existsSync(path.join(logDir, 'meta.properties'))) {
      // Kafka's own Uuid.randomUuid() never starts with '-': an id that does is read as an option by
      // the storage tool's argument parser ("argument --cluster-id/-t: expected one argument").
      let clusterId;
      do clusterId = crypto.randomBytes(16).toString('base64url'); while (clusterId.startsWith('-'));
      log('kafka', `formatting KRaft storage (cluster id ${clusterId})`);
      await runOk('kafka', java, ['-Xmx256m', ...jvm.slice(1), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props], { logFile, timeoutMs: 120_000 });
    }
    log('kafka', `starting broker ${KAFKA_VERSION} on 127.0.0.1:${c.ports.kafka} (controller ${c.ports.kafkaController})`);
    const p = spawnDetached(c, 'kafka', java, [...jvm, 'kafka.Kafka', props], { cwd: dir });
    const ok = await waitFor(() => kafkaApiVersions(c.ports.kafka), { timeoutMs: 120_000, intervalMs: 300, exited: p.exited });
    if (!ok) throw fail('kafka', p.exited() ? `broker exited (${JSON.stringify(p.exited())})` : 'no ApiVersions answer within 120s', logFile);
    return { pid: p.pid };
  },
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 30_000, // controlled shutdown
};

