import { Counter, Gauge, type Registry } from 'prom-client';

type Labels = Record<string, string>;
/** Something a gauge reads at scrape time: label sets and their values. */
export type GaugeSource = () => Array<[Labels, number]> | Promise<Array<[Labels, number]>>;

const sources = new WeakMap<Registry, Map<string, Set<GaugeSource>>>();

/**
 * Adds `source` to the gauge `name` of `registry`, creating the gauge on first use. Several
 * consumers or relays of one service share the gauge; values of the same label set are summed.
 * Returns a function that removes the source (e.g. on stop).
 */
export function gaugeSource(registry: Registry, name: string, help: string, labelNames: string[], source: GaugeSource): () => void {
  let byName = sources.get(registry);
  if (!byName) sources.set(registry, (byName = new Map()));
  let set = byName.get(name);
  if (!set) {
    const own = new Set<GaugeSource>();
    set = own;
    byName.set(name, own);
    if (!registry.getSingleMetric(name)) {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          this.reset();
          const totals = new Map<string, [Labels, number]>();
          for (const read of own) {
            for (const [labels, value] of await read()) {
              const key = JSON.stringify(labels);
              const prev = totals.get(key);
              totals.set(key, [labels, (prev?.[1] ?? 0) + value]);
            }
          }
          for (const [labels, value] of totals.values()) this.set(labels, value);
        },
      });
    }
  }
  set.add(source);
  return () => set.delete(source);
}

/** The counter `name` of `registry`, created on first use. */
export function sharedCounter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}
