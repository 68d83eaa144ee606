import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';

// The shipped dashboards (infra/observability/dashboards) and alert rules
// (infra/observability/prometheus/alerts.yml): they parse strictly, every rule has a severity,
// summary and runbook, and every metric they query is defined by a service (a metric family named
// in the code of gateway/subgraphs/packages, or one of Node's default metrics every service
// exports). faults/test/tracing.fault-spec.ts checks the same names against the running services'
// /metrics.

const obs = require('../observability/queries.cjs') as {
  dashboardQueries(): { file: string; panel: string; expr: string }[];
  alertQueries(): { file: string; panel: string; expr: string }[];
  alertRules(): { groups: { name: string; rules: Record<string, any>[] }[] };
  metricNames(expr: string): string[];
  familyOf(name: string, families: Set<string>): string | null;
  PROMETHEUS_OWN: Set<string>;
};

const root = join(__dirname, '..', '..');
const dir = join(root, 'infra', 'observability');

/** Metric families the services define: names given to prom-client metrics, gaugeSource and sharedCounter in their code. */
function definedFamilies(): Set<string> {
  const families = new Set<string>();
  const sources: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      if (entry === 'node_modules' || entry === 'dist') continue;
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.spec.ts')) sources.push(p);
    }
  };
  for (const top of ['gateway/src', 'packages', 'subgraphs', 'tools']) {
    try {
      walk(join(root, top));
    } catch {
      // a tree without this folder
    }
  }
  for (const file of sources.filter((f) => !f.includes('/test/'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/new (?:Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\s*\{[^}]*?name:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) families.add(m[1]);
    for (const m of text.matchAll(/(?:gaugeSource|sharedCounter)\(\s*[\w.]+,\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) families.add(m[1]);
  }
  // Node's default metrics, as every service registers them (createMetricsRegistry).
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const metric of registry.getMetricsAsArray()) families.add(metric.name);
  return families;
}

describe('dashboards and alert rules', () => {
  const queries = [...obs.dashboardQueries(), ...obs.alertQueries()];

  it('ships the four dashboards, each valid with unique uids and panel ids and a query in every panel', () => {
    const files = readdirSync(join(dir, 'dashboards')).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(['datastores.json', 'gateway.json', 'saga.json', 'shop-overview.json']);
    const uids = new Set<string>();
    for (const file of files) {
      const d = JSON.parse(readFileSync(join(dir, 'dashboards', file), 'utf8'));
      expect(typeof d.uid).toBe('string');
      expect(uids.has(d.uid)).toBe(false);
      uids.add(d.uid);
      expect(d.panels.length).toBeGreaterThan(3);
      const ids = d.panels.map((p: { id: number }) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of d.panels) {
        expect(panel.targets.length).toBeGreaterThan(0);
        for (const t of panel.targets) expect(t.expr).toMatch(/\S/);
      }
    }
  });

  it('has alert rules that parse strictly, each with a severity, a summary and a runbook line', () => {
    const rules = obs.alertRules().groups.flatMap((g) => g.rules);
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'ShopgraphSubgraphBreakerOpen',
        'ShopgraphPaymentProviderBreakerOpen',
        'ShopgraphOutboxBacklogAge',
        'ShopgraphKafkaConsumerLag',
        'ShopgraphSagaTimeoutsRising',
        'ShopgraphGatewayErrorRatio',
        'ShopgraphSubscriptionSlowConsumerCloses',
      ]),
    );
    for (const rule of rules) {
      expect(Object.keys(rule).sort()).toEqual(['alert', 'annotations', 'expr', 'for', 'labels']);
      expect(rule.alert).toMatch(/^Shopgraph[A-Z][A-Za-z]+$/);
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(['page', 'ticket']).toContain(rule.labels.severity);
      expect(String(rule.annotations.summary).length).toBeGreaterThan(15);
      expect(String(rule.annotations.runbook).length).toBeGreaterThan(40);
    }
  });

  it('queries only metrics the services define (every expression has balanced brackets and names at least one metric)', () => {
    const families = definedFamilies();
    const unknown: string[] = [];
    for (const q of queries) {
      const names = obs.metricNames(q.expr);
      expect({ where: `${q.file}: ${q.panel}`, names: names.length > 0 }).toEqual({ where: `${q.file}: ${q.panel}`, names: true });
      for (const name of names) {
        if (!obs.PROMETHEUS_OWN.has(name) && !obs.familyOf(name, families)) unknown.push(`${q.file} "${q.panel}": ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('would catch a misspelt metric or a broken expression', () => {
    const families = definedFamilies();
    expect(obs.metricNames('sum by (service) (rate(orders_placd_total{status="x"}[5m])) > 1e-9')).toEqual(['orders_placd_total']);
    expect(obs.familyOf('orders_placd_total', families)).toBeNull();
    expect(obs.familyOf('orders_saga_duration_seconds_bucket', families)).toBe('orders_saga_duration_seconds');
    expect(() => obs.metricNames('sum(rate(orders_placed_total[5m])')).toThrow(/unbalanced/);
  });
});
