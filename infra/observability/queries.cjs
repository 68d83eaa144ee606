// What the shipped dashboards and alert rules query: every PromQL expression and the metric
// names in it. Used by infra/test/observability.int-spec.ts (rules parse, names exist in the
// services' code) and faults/test/tracing.fault-spec.ts (names exist on the running services'
// /metrics).
const { readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const DIR = __dirname;

/** Every panel query of every dashboard: { file, panel, expr }. */
function dashboardQueries() {
  const out = [];
  for (const file of readdirSync(path.join(DIR, 'dashboards')).filter((f) => f.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(path.join(DIR, 'dashboards', file), 'utf8'));
    for (const panel of dashboard.panels ?? []) {
      for (const target of panel.targets ?? []) out.push({ file, panel: panel.title, expr: target.expr });
    }
  }
  return out;
}

/** The alert rules file, parsed strictly (duplicate keys and bad YAML throw). */
function alertRules() {
  const text = readFileSync(path.join(DIR, 'prometheus', 'alerts.yml'), 'utf8');
  const doc = YAML.parseDocument(text, { uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) throw new Error(`alerts.yml: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS();
}

/** Every alert expression: { file, panel (the alert name), expr }. */
function alertQueries() {
  return alertRules().groups.flatMap((g) => g.rules.map((r) => ({ file: 'alerts.yml', panel: r.alert, expr: r.expr })));
}

const KEYWORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan',
]);

/**
 * Metric names in a PromQL expression: identifiers that are neither functions (followed by "("),
 * aggregation keywords, label names in by/without/on/ignoring lists, nor inside label matchers,
 * strings or range/offset durations. Throws on unbalanced brackets or quotes.
 */
function metricNames(expr) {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  if (/["']/.test(s.replace(/""/g, ''))) throw new Error(`unterminated string in: ${expr}`);
  const pairs = { '(': ')', '{': '}', '[': ']' };
  const stack = [];
  for (const ch of s) {
    if (pairs[ch]) stack.push(pairs[ch]);
    else if (ch === ')' || ch === '}' || ch === ']') {
      if (stack.pop() !== ch) throw new Error(`unbalanced brackets in: ${expr}`);
    }
  }
  if (stack.length > 0) throw new Error(`unbalanced brackets in: ${expr}`);
  s = s
    .replace(/\{[^{}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\d+[smhdwy]/g, ' ')
    .replace(/(^|[^a-zA-Z0-9_:])\d+(\.\d+)?(e[+-]?\d+)?/gi, '$1 ');
  const names = new Set();
  for (const m of s.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)) {
    const [, name, call] = m;
    if (call || KEYWORDS.has(name.toLowerCase())) continue;
    if (/^\d/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}

/** Metric names Prometheus itself makes (not exported by any service). */
const PROMETHEUS_OWN = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** The exported family of a sample name: histogram/summary series map to their metric. */
function familyOf(name, families) {
  if (families.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count', '_created']) {
    if (name.endsWith(suffix) && families.has(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length);
  }
  return null;
}

module.exports = { dashboardQueries, alertRules, alertQueries, metricNames, familyOf, PROMETHEUS_OWN };
