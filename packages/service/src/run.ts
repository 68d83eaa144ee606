import type { GraphQLSchema } from 'graphql';
import { emitSubgraphSdl, printFederatedSdl, readCommittedSdl, stopOnSignals, type Logger } from '@shopgraph/kit';

interface Runnable<C> {
  readonly name: string;
  loadConfig(env?: NodeJS.ProcessEnv): C;
  create(config: C): Promise<{ start(): Promise<{ url: string; port: number }>; stop(): Promise<void>; log: Logger }>;
}

/**
 * The whole of a subgraph's `index.ts`: reads the config from the environment, opens and starts
 * the service, and stops it on SIGTERM/SIGINT (a signal during start waits for the start, then
 * stops). Any failure before it runs is printed and exits with 1.
 */
export function runSubgraph<C>(definition: Runnable<C>, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return (async () => {
    const config = definition.loadConfig(env);
    const service = await definition.create(config);
    stopOnSignals(service.stop, service.log);
    await service.start();
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

/** The whole of a subgraph's `emit-schema.ts`: writes schema/<name>.graphql (run by `npm run compose`). */
export function emitSchema(name: string, build: () => Promise<GraphQLSchema>): Promise<void> {
  return emitSubgraphSdl(name, build).then(
    (file) => console.log(`wrote ${file}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/**
 * Where the code's SDL first differs from the committed schema/<name>.graphql, as a readable
 * message; null when they are the same.
 */
export function schemaDrift(name: string, current: string): string | null {
  const code = current.split('\n');
  const committed = readCommittedSdl(name).split('\n');
  const line = code.findIndex((text, i) => text !== committed[i]);
  if (line === -1 && code.length === committed.length) return null;
  const at = line === -1 ? Math.min(code.length, committed.length) : line;
  return (
    `schema/${name}.graphql is out of date with the code (first difference at line ${at + 1}: ` +
    `committed ${JSON.stringify(committed[at])}, code ${JSON.stringify(code[at])}). Run \`npm run compose\` and commit the result.`
  );
}

interface JestGlobals {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>): void;
  expect(value: unknown): { toMatch(pattern: RegExp): void };
}

/**
 * The whole of a subgraph's `schema.spec.ts` (call it at the top level of a jest file): one test
 * that the schema the code builds is the committed schema/<name>.graphql, and that it matches
 * every pattern of `mustContain` (e.g. its entity keys).
 */
export function describeCommittedSchema(name: string, build: () => Promise<GraphQLSchema>, mustContain: RegExp[] = []): void {
  const { describe, it, expect } = globalThis as unknown as JestGlobals;
  describe(`${name} schema`, () => {
    it(`matches the committed schema/${name}.graphql`, async () => {
      const sdl = printFederatedSdl(await build());
      const drift = schemaDrift(name, sdl);
      if (drift) throw new Error(drift);
      for (const pattern of mustContain) expect(sdl).toMatch(pattern);
    });
  });
}
