import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { createLogger } from './logger';
import { jsonBody } from './json-body';
import { contextFromTraceparent, currentLogFields, currentTraceparent, formatTraceparent, parseTraceparent, runWithLogFields } from './trace-context';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { lines, raw, log: createLogger('kit-test', 'info', sink) };
}

// What the SDK registers when tracing is on: an AsyncLocalStorage context manager.
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
});

describe('trace context helpers', () => {
  const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('parses and formats W3C traceparent, refusing malformed and all-zero ids', () => {
    expect(parseTraceparent(tp)).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(formatTraceparent(parseTraceparent(tp)!)).toBe(tp);
    expect(parseTraceparent('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBeNull();
    expect(parseTraceparent('garbage')).toBeNull();
    expect(parseTraceparent(null)).toBeNull();
  });

  it('makes a context whose active span context is the traceparent (what events created inside it record)', () => {
    const ctx = contextFromTraceparent(tp);
    expect(currentTraceparent(ctx)).toBe(tp);
    expect(context.with(ctx, () => currentTraceparent())).toBe(tp);
    expect(currentTraceparent()).toBeNull();
  });

  it('puts the request/event fields and the active trace on every log line written inside, across awaits', async () => {
    const { lines, log } = capture();
    log.info('outside');
    await runWithLogFields({ requestId: 'r-1' }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      log.info('inside');
      await runWithLogFields({ eventId: 'e-1', eventType: 'StockChanged' }, async () => {
        await context.with(trace.setSpanContext(context.active(), parseTraceparent(tp)!), async () => {
          await Promise.resolve();
          log.info('in a span');
        });
      });
    });
    expect(lines[0]).not.toHaveProperty('requestId');
    expect(lines[1]).toMatchObject({ msg: 'inside', requestId: 'r-1' });
    expect(lines[2]).toMatchObject({ msg: 'in a span', requestId: 'r-1', eventId: 'e-1', eventType: 'StockChanged', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' });
    expect(currentLogFields()).toEqual({});
  });
});

describe('jsonBody refusals', () => {
  it('logs each refused body as one JSON line (no body text) and answers a GraphQL-shaped error', async () => {
    const { lines, raw, log } = capture();
    const app = express();
    app.post('/graphql', ...jsonBody('1kb', log), (_req: Request, res: Response) => {
      res.json({ ok: true });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    try {
      const bad = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-bad' }, body: '{"query": "{ me { id } ' });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({ errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
      const big = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'x'.repeat(5000) }) });
      expect(big.status).toBe(413);
      const text = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
      expect(text.status).toBe(415);
    } finally {
      server.close();
    }
    expect(raw).toHaveLength(3);
    expect(lines[0]).toMatchObject({ level: 40, msg: 'request body refused', requestId: 'req-bad', status: 400, reason: 'entity.parse.failed', path: '/graphql' });
    expect(lines[1]).toMatchObject({ msg: 'request body refused', status: 413, reason: 'entity.too.large' });
    expect(lines[2]).toMatchObject({ msg: 'request body refused', status: 415, reason: 'content-type', contentType: 'text/plain' });
    expect(raw.join('\n')).not.toContain('me { id }');
  });
});
