import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseGraphQL } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { composeServices } from '@apollo/composition';

/** One entry of supergraph.yaml (Rover's format). */
export interface SubgraphEntry {
  name: string;
  routingUrl: string;
  schemaFile: string;
}

/** Reads supergraph.yaml: `subgraphs.<name>.routing_url` and `schema.file`, relative to the file. */
export function readSupergraphConfig(configPath: string): SubgraphEntry[] {
  const doc = parseYaml(readFileSync(configPath, 'utf8')) as {
    subgraphs?: Record<string, { routing_url?: string; schema?: { file?: string } }>;
  };
  return Object.entries(doc.subgraphs ?? {}).map(([name, entry]) => {
    if (!entry.routing_url || !entry.schema?.file) {
      throw new Error(`supergraph.yaml: subgraph "${name}" needs routing_url and schema.file`);
    }
    return { name, routingUrl: entry.routing_url, schemaFile: path.resolve(path.dirname(configPath), entry.schema.file) };
  });
}

/**
 * Composes the subgraphs listed in supergraph.yaml into a supergraph SDL with Apollo's
 * composition library (what `rover supergraph compose` runs). Throws with every composition
 * error listed when the subgraphs do not fit together.
 */
export function composeSupergraph(configPath: string): { supergraphSdl: string; hints: string[] } {
  const services = readSupergraphConfig(configPath).map((s) => ({
    name: s.name,
    url: s.routingUrl,
    typeDefs: parseGraphQL(readFileSync(s.schemaFile, 'utf8')),
  }));
  if (services.length === 0) throw new Error('supergraph.yaml lists no subgraphs');
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return { supergraphSdl: `${result.supergraphSdl.trim()}\n`, hints: result.hints.map((h) => h.toString()) };
}
