import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually, gql, TEST_INTERNAL_SECRET } from '@shopgraph/testkit';
import { composeSupergraph } from '../src/compose';
import { loadGatewayConfig } from '../src/config';
import { createGateway, type Gateway } from '../src/gateway';

// In development the gateway picks up a recomposed schema/supergraph.graphql without a restart.

const root = path.resolve(__dirname, '../..');
const schemaFile = (name: string) => path.join(root, 'schema', `${name}.graphql`);

function compose(dir: string, subgraphs: string[]): string {
  const yaml = `subgraphs:\n${subgraphs
    .map((s) => `  ${s}:\n    routing_url: http://127.0.0.1:1/${s}\n    schema:\n      file: ${schemaFile(s)}\n`)
    .join('')}`;
  writeFileSync(path.join(dir, `${subgraphs.join('-')}.yaml`), yaml);
  return composeSupergraph(path.join(dir, `${subgraphs.join('-')}.yaml`)).supergraphSdl;
}

/** A development gateway (it watches its supergraph file) on `supergraphPath`. */
const devGateway = (supergraphPath: string) =>
  createGateway(
    loadGatewayConfig({
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
      PORT: '0',
      INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
      SUPERGRAPH_PATH: supergraphPath,
    }),
  );

let gateway: Gateway;

afterAll(() => gateway?.stop());

it('serves a recomposed supergraph after the file changes, without a restart', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supergraph-'));
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  writeFileSync(supergraphPath, compose(dir, ['users']));
  gateway = devGateway(supergraphPath);
  const { url } = await gateway.start();
  const productType = async () => (await gql(url, '{ __type(name: "Product") { name } }')).body.data?.__type;
  expect(await productType()).toBeNull();

  writeFileSync(supergraphPath, compose(dir, ['users', 'products']));
  await eventually(async () => ((await productType())?.name === 'Product' ? true : undefined), 15000, 200);
});

it('a gateway that stops leaves the other gateways of its process watching the same file', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supergraph-'));
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  writeFileSync(supergraphPath, compose(dir, ['users']));
  const first = devGateway(supergraphPath);
  const second = devGateway(supergraphPath);
  await first.start();
  const { url } = await second.start();
  try {
    // Stopping the first once ended the file watch of every gateway on the path (unwatchFile without the listener).
    await first.stop();
    writeFileSync(supergraphPath, compose(dir, ['users', 'products']));
    await eventually(
      async () => ((await gql(url, '{ __type(name: "Product") { name } }')).body.data?.__type?.name === 'Product' ? true : undefined),
      15000,
      200,
    );
  } finally {
    await second.stop();
  }
});
