import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';

/** What the sandbox does to every provider call: answer normally, fail with 503, or answer after a delay. */
export type SandboxMode = { mode: 'normal' } | { mode: 'fail' } | { mode: 'slow'; delayMs: number };

/** A test card: its brand and last four digits, or the failure it stands for. */
interface TestCard {
  brand?: string;
  last4?: string;
  outcome: 'captured' | 'card_declined' | 'insufficient_funds' | 'processing_error' | 'timeout';
}

/** The sandbox's test tokens (ARCHITECTURE.md, "Payment provider sandbox"). */
export const TEST_TOKENS: Record<string, TestCard> = {
  tok_visa: { brand: 'visa', last4: '4242', outcome: 'captured' },
  tok_mastercard: { brand: 'mastercard', last4: '4444', outcome: 'captured' },
  tok_amex: { brand: 'amex', last4: '8431', outcome: 'captured' },
  tok_chargeDeclined: { outcome: 'card_declined' },
  tok_insufficientFunds: { outcome: 'insufficient_funds' },
  tok_processingError: { outcome: 'processing_error' },
  tok_timeout: { outcome: 'timeout' },
};

/** A captured charge as the sandbox keeps it. */
export interface SandboxCharge {
  id: string;
  object: 'charge';
  status: 'succeeded';
  amount: number;
  amount_refunded: number;
  refunded: boolean;
  currency: string;
  card: { brand: string; last4: string };
  idempotency_key: string;
  metadata: Record<string, string>;
  created: number;
}

/** A refund of (part of) a charge. */
export interface SandboxRefund {
  id: string;
  object: 'refund';
  status: 'succeeded';
  charge: string;
  amount: number;
  currency: string;
  idempotency_key: string;
  created: number;
}

/** An answer the sandbox gives again, unchanged, for a repeated idempotency key. */
interface StoredAnswer {
  status: number;
  body: unknown;
  /** The request's parameters: the same key with other parameters is refused, like Stripe does. */
  fingerprint: string;
}

export interface SandboxProviderOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
}

/** The running sandbox: its URL, its in-memory state (for tests) and the same controls as its HTTP API. */
export interface SandboxProvider {
  start(): Promise<{ url: string; port: number }>;
  /** Stops listening and drops every held connection (tok_timeout calls included). */
  stop(): Promise<void>;
  /** Every charge made, oldest first. */
  charges(): SandboxCharge[];
  /** Every refund made, oldest first. */
  refunds(): SandboxRefund[];
  setMode(mode: SandboxMode): void;
  mode(): SandboxMode;
  /** How many HTTP requests reached /v1 (failed and slow ones included), for tests counting retries. */
  requestCount(): number;
  /** Forgets every charge, refund and stored answer, and returns to normal mode. */
  reset(): void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/**
 * A small payment provider in the style of Stripe's test mode, for local runs and tests: charges
 * by test token, idempotency keys (a repeated key, even concurrently, gets the first answer and
 * never a second charge), refunds bounded by what was captured, a reconciliation lookup by
 * idempotency key, and a control endpoint that makes every call fail (503) or slow.
 */
export function createSandboxProvider(options: SandboxProviderOptions = {}): SandboxProvider {
  const host = options.host ?? '127.0.0.1';
  const charges = new Map<string, SandboxCharge>();
  const refunds = new Map<string, SandboxRefund>();
  // Keyed by operation + idempotency key; set synchronously before any await, so a concurrent
  // request with the same key finds the first one's answer instead of charging again.
  const answers = new Map<string, Promise<StoredAnswer>>();
  const sockets = new Set<Socket>();
  let mode: SandboxMode = { mode: 'normal' };
  let requests = 0;
  // Slow-mode delays, cut short on stop so a stopped sandbox leaves no timer behind.
  const delays = new Map<NodeJS.Timeout, () => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        delays.delete(timer);
        resolve();
      }, ms);
      delays.set(timer, resolve);
    });

  const findChargeByKey = (key: string) => [...charges.values()].find((c) => c.idempotency_key === key) ?? null;

  function charge(body: Record<string, unknown>): StoredAnswer | 'hang' {
    const amount = body.amount;
    const currency = body.currency;
    const source = body.source;
    const key = body.idempotency_key;
    if (!Number.isInteger(amount) || (amount as number) <= 0) throw new HttpError(400, 'parameter_invalid_integer', 'amount must be a positive integer');
    if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) throw new HttpError(400, 'parameter_invalid', 'currency must be an ISO-4217 code');
    if (typeof key !== 'string' || key.length === 0) throw new HttpError(400, 'parameter_missing', 'idempotency_key is required');
    const card = typeof source === 'string' ? TEST_TOKENS[source] : undefined;
    if (!card) throw new HttpError(400, 'token_invalid', 'No such token');
    const fingerprint = JSON.stringify([amount, currency.toLowerCase(), source]);
    const slot = `charge:${key}`;
    const previous = answers.get(slot);
    if (previous) return { status: -1, body: previous, fingerprint };
    switch (card.outcome) {
      case 'timeout':
        return 'hang';
      case 'processing_error':
        throw new HttpError(500, 'processing_error', 'An error occurred while processing the card');
      case 'card_declined':
      case 'insufficient_funds': {
        const answer = { status: 402, body: { error: { type: 'card_error', code: card.outcome, message: 'The card was declined' } }, fingerprint };
        answers.set(slot, Promise.resolve(answer));
        return answer;
      }
      case 'captured': {
        const metadata = Object.fromEntries(
          Object.entries((body.metadata as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k, String(v)]),
        );
        const made: SandboxCharge = {
          id: newId('ch'),
          object: 'charge',
          status: 'succeeded',
          amount: amount as number,
          amount_refunded: 0,
          refunded: false,
          currency: currency.toLowerCase(),
          card: { brand: card.brand!, last4: card.last4! },
          idempotency_key: key,
          metadata,
          created: Math.floor(Date.now() / 1000),
        };
        charges.set(made.id, made);
        const answer = { status: 200, body: made, fingerprint };
        answers.set(slot, Promise.resolve(answer));
        return answer;
      }
    }
  }

  function refund(body: Record<string, unknown>): StoredAnswer {
    const chargeId = body.charge;
    const key = body.idempotency_key;
    if (typeof chargeId !== 'string') throw new HttpError(400, 'parameter_missing', 'charge is required');
    if (typeof key !== 'string' || key.length === 0) throw new HttpError(400, 'parameter_missing', 'idempotency_key is required');
    const fingerprint = JSON.stringify([chargeId, body.amount ?? null]);
    const slot = `refund:${key}`;
    const previous = answers.get(slot);
    if (previous) return { status: -1, body: previous, fingerprint };
    const charged = charges.get(chargeId);
    if (!charged) throw new HttpError(404, 'resource_missing', 'No such charge');
    const remaining = charged.amount - charged.amount_refunded;
    const amount = body.amount === undefined || body.amount === null ? remaining : body.amount;
    if (!Number.isInteger(amount) || (amount as number) <= 0) throw new HttpError(400, 'parameter_invalid_integer', 'amount must be a positive integer');
    if ((amount as number) > remaining) {
      throw new HttpError(400, 'amount_too_large', `Refund amount is greater than the unrefunded amount (${remaining})`);
    }
    charged.amount_refunded += amount as number;
    charged.refunded = charged.amount_refunded === charged.amount;
    const made: SandboxRefund = {
      id: newId('re'),
      object: 'refund',
      status: 'succeeded',
      charge: chargeId,
      amount: amount as number,
      currency: charged.currency,
      idempotency_key: key,
      created: Math.floor(Date.now() / 1000),
    };
    refunds.set(made.id, made);
    const answer = { status: 200, body: made, fingerprint };
    answers.set(slot, Promise.resolve(answer));
    return answer;
  }

  /** Resolves a stored answer that was returned as a pointer to an earlier (maybe concurrent) one. */
  async function settle(answer: StoredAnswer): Promise<StoredAnswer> {
    if (answer.status !== -1) return answer;
    const first = await (answer.body as Promise<StoredAnswer>);
    if (first.fingerprint !== answer.fingerprint) throw new HttpError(400, 'idempotency_key_reused', 'This idempotency key was used with other parameters');
    return first;
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse, body: Record<string, unknown>): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const send = (status: number, payload: unknown) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };

    if (url.pathname === '/health/live') return send(200, { status: 'ok' });
    if (url.pathname === '/_sandbox/mode' && req.method === 'POST') {
      const next = parseMode(body);
      if (!next) return send(400, { error: { code: 'parameter_invalid', message: "mode must be 'normal', 'fail' or 'slow' (with delayMs)" } });
      mode = next;
      return send(200, mode);
    }
    if (url.pathname === '/_sandbox/mode' && req.method === 'GET') return send(200, mode);
    if (!url.pathname.startsWith('/v1/')) return send(404, { error: { code: 'resource_missing', message: 'Unknown route' } });

    requests += 1;
    const current = mode;
    if (current.mode === 'fail') return send(503, { error: { code: 'service_unavailable', message: 'The sandbox is set to fail' } });

    let answer: StoredAnswer;
    if (url.pathname === '/v1/charges' && req.method === 'POST') {
      const made = charge(body);
      if (made === 'hang') return holdUntilClientGivesUp(req);
      // The charge is made before the delay: a client that gives up must reconcile, not charge again.
      if (current.mode === 'slow') await sleep(current.delayMs);
      answer = await settle(made);
    } else if (url.pathname === '/v1/refunds' && req.method === 'POST') {
      const made = refund(body);
      if (current.mode === 'slow') await sleep(current.delayMs);
      answer = await settle(made);
    } else if (url.pathname === '/v1/charges' && req.method === 'GET') {
      if (current.mode === 'slow') await sleep(current.delayMs);
      const key = url.searchParams.get('idempotency_key');
      if (key !== null) {
        const found = findChargeByKey(key);
        return found ? send(200, found) : send(404, { error: { code: 'resource_missing', message: 'No charge with this idempotency key' } });
      }
      const orderId = url.searchParams.get('metadata_order_id');
      const list = [...charges.values()].filter((c) => orderId === null || c.metadata.order_id === orderId);
      return send(200, { object: 'list', data: list });
    } else if (url.pathname === '/v1/refunds' && req.method === 'GET') {
      if (current.mode === 'slow') await sleep(current.delayMs);
      const chargeId = url.searchParams.get('charge');
      return send(200, { object: 'list', data: [...refunds.values()].filter((r) => chargeId === null || r.charge === chargeId) });
    } else {
      return send(404, { error: { code: 'resource_missing', message: 'Unknown route' } });
    }
    send(answer.status, answer.body);
  }

  // tok_timeout: never answer, never charge; the socket stays open until the client gives up.
  function holdUntilClientGivesUp(req: http.IncomingMessage): Promise<void> {
    return new Promise((resolve) => req.socket.once('close', () => resolve()));
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      if (chunks.length > 0) {
        try {
          const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          body = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'invalid_json', message: 'Body is not JSON' } }));
          return;
        }
      }
      route(req, res, body).catch((error: unknown) => {
        if (res.destroyed) return;
        const status = error instanceof HttpError ? error.status : 500;
        const code = error instanceof HttpError ? error.code : 'api_error';
        const message = error instanceof HttpError ? error.message : 'Internal sandbox error';
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return {
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 4010, host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      return { url: `http://${host}:${port}`, port };
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const [timer, resolve] of delays) {
        clearTimeout(timer);
        resolve();
      }
      delays.clear();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    charges: () => [...charges.values()].map((c) => ({ ...c, card: { ...c.card }, metadata: { ...c.metadata } })),
    refunds: () => [...refunds.values()].map((r) => ({ ...r })),
    setMode(next) {
      mode = next;
    },
    mode: () => mode,
    requestCount: () => requests,
    reset() {
      charges.clear();
      refunds.clear();
      answers.clear();
      mode = { mode: 'normal' };
      requests = 0;
    },
  };
}

function parseMode(body: Record<string, unknown>): SandboxMode | null {
  if (body.mode === 'normal' || body.mode === 'fail') return { mode: body.mode };
  if (body.mode === 'slow' && Number.isInteger(body.delayMs) && (body.delayMs as number) >= 0) return { mode: 'slow', delayMs: body.delayMs as number };
  return null;
}
export { call as callSandbox, chargeBody } from './sandbox-client';
