import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * Example client for live order tracking: signs in over HTTP, subscribes to one order over
 * graphql-ws and prints each status as it arrives (the current state first). Ctrl-C to stop.
 *
 *   node tools/watch-order/dist/index.js --email alice@shopgraph.local --password Customer123! --order <id>
 */
const WATCH = `subscription WatchOrder($id: ID!) {
  orderStatusChanged(orderId: $id) {
    version status previousStatus reason at
    order { number total { amount currency } payment { status } }
  }
}`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      order: { type: 'string' },
      url: { type: 'string', default: process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql' },
    },
  });
  if (!values.email || !values.password || !values.order) {
    console.error('usage: watch-order --email <email> --password <password> --order <order id> [--url http://127.0.0.1:4000/graphql]');
    process.exit(2);
  }
  const url = values.url!;
  const login = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($i: LoginInput!) { login(input: $i) { accessToken errors { message } } }',
      variables: { i: { email: values.email, password: values.password } },
    }),
  });
  const body = (await login.json()) as { data?: { login: { accessToken: string | null; errors: { message: string }[] } }; errors?: { message: string }[] };
  const token = body.data?.login.accessToken;
  if (!token) {
    console.error(`login failed: ${body.data?.login.errors[0]?.message ?? body.errors?.[0]?.message ?? login.status}`);
    process.exit(1);
  }

  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const stop = () => {
    void client.dispose();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  console.log(`watching order ${values.order} as ${values.email} (Ctrl-C to stop)`);
  for await (const message of client.iterate<{ orderStatusChanged: Record<string, any> }>({ query: WATCH, variables: { id: values.order } })) {
    if (message.errors?.length) {
      console.error(`error: ${message.errors.map((e) => `${e.message} (${e.extensions?.code ?? 'ERROR'})`).join('; ')}`);
      process.exitCode = 1;
      continue;
    }
    const e = message.data!.orderStatusChanged;
    const payment = e.order.payment ? `, payment ${e.order.payment.status}` : '';
    const total = `${(e.order.total.amount / 100).toFixed(2)} ${e.order.total.currency}`;
    console.log(`${e.at}  v${e.version}  ${e.order.number}  ${e.previousStatus ?? '-'} -> ${e.status}${e.reason ? ` (${e.reason})` : ''}  [${total}${payment}]`);
  }
  await client.dispose();
}

main().catch((error: unknown) => {
  const close = error as { code?: number; reason?: string };
  console.error(close?.code ? `connection closed: ${close.code} ${close.reason}` : `failed: ${(error as Error).message ?? String(error)}`);
  process.exit(1);
});
