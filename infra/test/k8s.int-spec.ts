import { execFile, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const overlays = readdirSync(join(root, 'k8s', 'overlays'));

type Labels = Record<string, string>;
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface Peer {
  podSelector?: { matchLabels?: Labels };
  namespaceSelector?: { matchLabels?: Labels };
}
interface IngressRule {
  from?: Peer[];
  ports?: { port: number | string; protocol?: string }[];
}

/** Runs `command args`, feeding `input` on stdin; resolves with stdout, stderr and the exit code. */
function pipe(command: string, args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

// The subgraphs as they declare themselves (subgraphs/<name>/package.json "shopgraph"): each must
// have its Deployment on its declared port and a <NAME>_SUBGRAPH_URL in the gateway's config.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const DECLARED: { name: string; port: number }[] = require('../../scripts/subgraph-registry.cjs').readSubgraphs();
const SUBGRAPHS = DECLARED.map((s) => s.name);
const STORES: Record<string, { host: RegExp; port: number }> = {
  postgres: { host: /@postgres:5432\//, port: 5432 },
  redis: { host: /redis:\/\/redis:6379/, port: 6379 },
  mongo: { host: /mongodb:\/\/mongo:27017/, port: 27017 },
  kafka: { host: /(^|,)kafka:9092/, port: 9092 },
};
const MONITORING: Peer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
const podsNamed = (name: string): Peer => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': name } } });

describe('k8s manifests: every overlay builds with kustomize v5.7.1 and strict-decodes into k8s.io/api types', () => {
  let tools: { kustomize: string; check: string };
  const built: Record<string, K8sObject[]> = {};

  beforeAll(async () => {
    // First run on a machine: builds both tools with its Go (module proxy only), then cached.
    const { stdout } = await run(process.execPath, [join(root, 'infra', 'k8s-check', 'tools.mjs')], { timeout: 600_000, maxBuffer: 1 << 20 });
    tools = JSON.parse(stdout);
    for (const overlay of overlays) {
      const { stdout: yaml } = await run(tools.kustomize, ['build', join(root, 'k8s', 'overlays', overlay)], { maxBuffer: 16 << 20 });
      const checked = await pipe(tools.check, [], yaml);
      if (checked.code !== 0) throw new Error(`overlay ${overlay} does not strict-decode:\n${checked.stderr}`);
      built[overlay] = JSON.parse(checked.stdout);
    }
  }, 900_000);

  const of = (overlay: string, kind: string) => built[overlay]!.filter((o) => o.kind === kind);
  const policyFor = (overlay: string, app: string) =>
    of(overlay, 'NetworkPolicy').filter((p) => p.spec.podSelector?.matchLabels?.['app.kubernetes.io/name'] === app);

  it('finds the dev and prod overlays and builds each into the whole shop', () => {
    expect(overlays).toEqual(expect.arrayContaining(['dev', 'prod']));
    for (const overlay of overlays) {
      const deployments = of(overlay, 'Deployment').map((d) => d.metadata.name);
      expect(deployments).toEqual(expect.arrayContaining(['gateway', ...SUBGRAPHS]));
      expect(built[overlay]!.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'shopgraph')).toBe(true);
    }
  });

  it.each(overlays)('%s: every declared subgraph runs on its declared port, and the gateway is told where', (overlay) => {
    const gatewayConfig = of(overlay, 'ConfigMap').find((c) => c.metadata.name.startsWith('gateway-config'))!;
    for (const { name, port } of DECLARED) {
      const deployment = of(overlay, 'Deployment').find((d) => d.metadata.name === name);
      expect({ name, deployment: !!deployment }).toEqual({ name, deployment: true });
      expect({ name, port: deployment!.spec.template.spec.containers[0].ports[0].containerPort }).toEqual({ name, port });
      const url = gatewayConfig.data?.[`${name.toUpperCase()}_SUBGRAPH_URL`];
      expect({ name, url }).toEqual({ name, url: `http://${name}:${port}/graphql` });
    }
  });

  it('refuses a misspelt field, a wrongly typed value and an unknown kind (the check is strict)', async () => {
    const typo = await pipe(tools.check, [], 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replica: 2\n');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/unknown field "replica"/);
    const wrongType = await pipe(tools.check, [], 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n    - port: "http"\n');
    expect(wrongType.code).toBe(1);
    const policyTypo = await pipe(
      tools.check,
      [],
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: x\nspec:\n  podSelector: {}\n  ingress:\n    - form: []\n',
    );
    expect(policyTypo.stderr).toMatch(/unknown field "form"/);
    const unknownKind = await pipe(tools.check, [], 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: x\n');
    expect(unknownKind.stderr).toMatch(/kind not known/);
  });

  it.each(overlays)('%s: ingress to every pod is denied unless a policy opens it', (overlay) => {
    const deny = of(overlay, 'NetworkPolicy').filter((p) => p.metadata.name === 'default-deny-ingress');
    expect(deny).toHaveLength(1);
    expect(deny[0]!.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    // Every workload has its own policy (else it would be unreachable, even for the gateway).
    for (const deployment of of(overlay, 'Deployment')) {
      expect(policyFor(overlay, deployment.spec.template.metadata.labels['app.kubernetes.io/name'])).toHaveLength(1);
    }
  });

  it.each(overlays)('%s: each subgraph accepts only the gateway (and Prometheus) on its own port; no subgraph calls another', (overlay) => {
    for (const name of SUBGRAPHS) {
      const [policy] = policyFor(overlay, name);
      const deployment = of(overlay, 'Deployment').find((d) => d.metadata.name === name)!;
      const port = deployment.spec.template.spec.containers[0].ports[0].containerPort;
      const rules: IngressRule[] = policy!.spec.ingress;
      expect(policy!.spec.policyTypes).toEqual(['Ingress']);
      expect(rules).toEqual([{ from: [podsNamed('gateway'), MONITORING], ports: [{ protocol: 'TCP', port }] }]);
      // Nothing else reaches it: no peer of another subgraph, no open rule.
      expect(rules.every((r) => r.from && r.from.length > 0)).toBe(true);
    }
  });

  it.each(overlays)('%s: the gateway takes public traffic only from the ingress controller, its admin port only from Prometheus', (overlay) => {
    const [policy] = policyFor(overlay, 'gateway');
    expect(policy!.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: 4000 }] },
      { from: [MONITORING], ports: [{ protocol: 'TCP', port: 9400 }] },
    ]);
  });

  it('dev: each datastore accepts exactly the services whose Secrets point at it; the payment sandbox only payments', () => {
    // Owners from the Secrets the Deployments load: the policy must match what the services use.
    const secrets = new Map(of('dev', 'Secret').map((s) => [s.metadata.name, Object.values(s.data ?? {}).map((v) => Buffer.from(v, 'base64').toString())]));
    const owners: Record<string, Set<string>> = Object.fromEntries(Object.keys(STORES).map((s) => [s, new Set<string>()]));
    for (const deployment of of('dev', 'Deployment')) {
      const values = deployment.spec.template.spec.containers.flatMap((c: any) =>
        (c.envFrom ?? []).flatMap((e: any) => (e.secretRef ? (secrets.get(e.secretRef.name) ?? []) : [])),
      );
      for (const [store, { host }] of Object.entries(STORES)) {
        if (values.some((v: string) => host.test(v))) owners[store]!.add(deployment.metadata.name);
      }
    }
    expect([...owners.postgres!].sort()).toEqual(['analytics', 'inventory', 'notifications', 'orders', 'payments', 'shipping', 'users']);
    for (const [store, { port }] of Object.entries(STORES)) {
      const [policy] = policyFor('dev', store);
      const [own, ...rest]: IngressRule[] = policy!.spec.ingress;
      expect(own!.ports).toEqual([{ protocol: 'TCP', port }]);
      expect(own!.from!.map((p) => p.podSelector?.matchLabels?.['app.kubernetes.io/name']).sort()).toEqual([...owners[store]!].sort());
      expect(own!.from!.every((p) => !p.namespaceSelector)).toBe(true);
      // Only Kafka adds its own brokers (inter-broker traffic).
      expect(rest).toEqual(store === 'kafka' ? [{ from: [podsNamed('kafka')] }] : []);
    }
    const [sandbox] = policyFor('dev', 'payment-sandbox');
    expect(sandbox!.spec.ingress).toEqual([{ from: [podsNamed('payments')], ports: [{ protocol: 'TCP', port: 4010 }] }]);
  });

  it.each(overlays)('%s: one Ingress: the gateway Service on /graphql, the storefront\'s static files on every other path (prod with TLS)', (overlay) => {
    const ingresses = of(overlay, 'Ingress');
    expect(ingresses).toHaveLength(1);
    const [ingress] = ingresses;
    const paths = ingress!.spec.rules.flatMap((r: any) => r.http.paths);
    expect(paths).toEqual([
      { path: '/graphql', pathType: 'Exact', backend: { service: { name: 'gateway', port: { name: 'http' } } } },
      { path: '/', pathType: 'Prefix', backend: { service: { name: 'storefront', port: { name: 'http' } } } },
    ]);
    // The storefront (apps/storefront) takes traffic from the ingress controller only, on its one port.
    const [storefront] = policyFor(overlay, 'storefront');
    expect(storefront!.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
    const service = of(overlay, 'Service').find((s) => s.metadata.name === 'gateway')!;
    expect(service.spec.ports.map((p: any) => p.name)).toEqual(['http']);
    if (overlay === 'prod') {
      expect(ingress!.spec.tls).toEqual([{ hosts: [ingress!.spec.rules[0].host], secretName: 'shopgraph-tls' }]);
    }
  });
});
