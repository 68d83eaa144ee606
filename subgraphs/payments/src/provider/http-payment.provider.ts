import http from 'node:http';
import CircuitBreaker from 'opossum';
import type { Logger } from '@shopgraph/kit';
import {
  FailureReason,
  type ChargeLookup,
  type ChargeOutcome,
  type ChargeRequest,
  type PaymentProvider,
  type ProviderCharge,
  type RefundOutcome,
  type RefundRequest,
} from './payment.provider';
import type { ProviderMetrics } from './provider.metrics';
import { backoffDelay, classifyAnswer, decide, decideAfterReconcile, type AttemptResult } from './retry.policy';

export interface HttpProviderOptions {
  baseUrl: string;
  timeoutMs: number;
  retries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  breaker: { errorThresholdPercent: number; volumeThreshold: number; windowMs: number; resetMs: number };
  metrics: ProviderMetrics;
  log: Logger;
}

type Operation = 'charge' | 'find_charge' | 'refund';
interface HttpCall {
  operation: Operation;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}
interface HttpAnswer {
  status: number;
  body: unknown;
}

/** A 5xx answer: thrown inside the breaker so that it counts as a failure. */
class ServerError extends Error {
  constructor(readonly status: number) {
    super(`provider answered ${status}`);
  }
}
class TimeoutError extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface SandboxChargeBody {
  id: string;
  amount: number;
  card?: { brand?: string; last4?: string };
}
const toCharge = (body: unknown): ProviderCharge => {
  const c = body as SandboxChargeBody;
  return { chargeId: c.id, amount: c.amount, cardBrand: c.card?.brand ?? null, cardLast4: c.card?.last4 ?? null };
};

/**
 * The payment provider over HTTP (the sandbox's Stripe-like API): every call has a timeout and
 * goes through one circuit breaker; 5xx, timeouts and network errors are retried with
 * exponential backoff and full jitter under the same idempotency key, and an unknown outcome is
 * reconciled (findCharge) before deciding. Declines are final.
 */
export class HttpPaymentProvider implements PaymentProvider {
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly breaker: CircuitBreaker<[HttpCall], HttpAnswer>;

  constructor(private readonly options: HttpProviderOptions) {
    const { breaker, metrics, log } = options;
    this.breaker = new CircuitBreaker((call: HttpCall) => this.send(call), {
      // The per-call timeout is ours (it aborts the socket); the breaker only counts outcomes.
      timeout: false,
      errorThresholdPercentage: breaker.errorThresholdPercent,
      volumeThreshold: breaker.volumeThreshold,
      rollingCountTimeout: breaker.windowMs,
      rollingCountBuckets: 10,
      resetTimeout: breaker.resetMs,
    });
    metrics.breakerState.set(0);
    this.breaker.on('open', () => {
      metrics.breakerState.set(2);
      log.warn('payment provider circuit breaker opened: calls fail fast');
    });
    this.breaker.on('halfOpen', () => {
      metrics.breakerState.set(1);
      log.info('payment provider circuit breaker half-open: probing');
    });
    this.breaker.on('close', () => {
      metrics.breakerState.set(0);
      log.info('payment provider circuit breaker closed');
    });
  }

  /** 'closed' | 'halfOpen' | 'open', for tests and logs. */
  breakerState(): 'closed' | 'halfOpen' | 'open' {
    if (this.breaker.opened) return 'open';
    if (this.breaker.halfOpen) return 'halfOpen';
    return 'closed';
  }

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    const { retries } = this.options;
    let unknown = false;
    for (let attempt = 0; ; attempt += 1) {
      const left = retries - attempt;
      const result = await this.attempt({
        operation: 'charge',
        method: 'POST',
        path: '/v1/charges',
        body: {
          amount: request.amount,
          currency: request.currency,
          source: request.token,
          idempotency_key: request.idempotencyKey,
          metadata: request.metadata,
        },
      });
      switch (decide(result, left)) {
        case 'succeed':
          return { kind: 'captured', ...toCharge((result as { body: unknown }).body) };
        case 'decline':
          return { kind: 'declined', reason: (result as { code: string }).code };
        case 'reject':
          return { kind: 'failed', reason: `${FailureReason.providerRejected}:${(result as { code: string }).code}`, outcomeUnknown: false };
        case 'fail_fast':
          return { kind: 'failed', reason: FailureReason.providerUnavailable, outcomeUnknown: unknown };
        case 'give_up':
          return { kind: 'failed', reason: FailureReason.providerError, outcomeUnknown: unknown };
        case 'retry':
          await sleep(this.backoff(attempt));
          continue;
        case 'reconcile': {
          const lookup = await this.findCharge(request.idempotencyKey);
          if (lookup.kind === 'found') return { kind: 'captured', ...lookup.charge };
          // A timed-out request may still be held by the provider (a stalled provider answers its
          // queue once it is back, possibly after answering this lookup on another connection), so
          // "no charge yet" does not settle it: the outcome stays unknown (a 5xx or an open breaker
          // on a later attempt does not settle it either), and the recovery loop believes "no
          // charge" only once the call is UNKNOWN_OUTCOME_SETTLE_MS old (PaymentService.checkLateCapture).
          // A scale-suite run on a loaded machine saw the opposite: an early "absent" believed, the
          // payment FAILED for good, and the thawed provider's charge kept.
          unknown = true;
          if (decideAfterReconcile(lookup.kind, left) === 'give_up') {
            return { kind: 'failed', reason: FailureReason.providerTimeout, outcomeUnknown: unknown };
          }
          await sleep(this.backoff(attempt));
          continue;
        }
      }
    }
  }

  async findCharge(idempotencyKey: string): Promise<ChargeLookup> {
    const result = await this.attempt({
      operation: 'find_charge',
      method: 'GET',
      path: `/v1/charges?idempotency_key=${encodeURIComponent(idempotencyKey)}`,
    });
    if (result.kind === 'ok') return { kind: 'found', charge: toCharge(result.body) };
    if (result.kind === 'rejected' && result.status === 404) return { kind: 'absent' };
    return { kind: 'unknown', reason: result.kind };
  }

  async refund(request: RefundRequest): Promise<RefundOutcome> {
    const { retries } = this.options;
    let unknown = false;
    for (let attempt = 0; ; attempt += 1) {
      const result = await this.attempt({
        operation: 'refund',
        method: 'POST',
        path: '/v1/refunds',
        body: { charge: request.chargeId, amount: request.amount, idempotency_key: request.idempotencyKey },
      });
      const decision = decide(result, retries - attempt);
      if (decision === 'succeed') return { kind: 'refunded', refundId: ((result as { body: { id: string } }).body).id };
      if (decision === 'decline' || decision === 'reject') return { kind: 'rejected', reason: (result as { code: string }).code };
      if (decision === 'fail_fast') return { kind: 'failed', reason: FailureReason.providerUnavailable, outcomeUnknown: unknown };
      // Refunds are idempotent by key: an unknown outcome is settled by simply asking again.
      if (decision === 'reconcile') unknown = true;
      else unknown = false;
      if (decision === 'give_up' || retries - attempt <= 0) {
        return { kind: 'failed', reason: unknown ? FailureReason.providerTimeout : FailureReason.providerError, outcomeUnknown: unknown };
      }
      await sleep(this.backoff(attempt));
    }
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    this.agent.destroy();
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, this.options.backoffBaseMs, this.options.backoffMaxMs);
  }

  /** One call through the breaker, classified and counted. */
  private async attempt(call: HttpCall): Promise<AttemptResult> {
    const { metrics } = this.options;
    const started = process.hrtime.bigint();
    let result: AttemptResult;
    try {
      const answer = await this.breaker.fire(call);
      result = classifyAnswer(answer.status, answer.body);
    } catch (error) {
      if ((error as { code?: string }).code === 'EOPENBREAKER') result = { kind: 'breaker_open' };
      else if (error instanceof ServerError) result = { kind: 'server_error', status: error.status };
      else if (error instanceof TimeoutError) result = { kind: 'timeout' };
      else result = { kind: 'network_error', message: (error as Error).message };
    }
    metrics.calls.inc({ operation: call.operation, outcome: result.kind === 'rejected' && result.status === 402 ? 'declined' : result.kind });
    if (result.kind !== 'breaker_open') {
      metrics.latency.observe({ operation: call.operation }, Number(process.hrtime.bigint() - started) / 1e9);
    }
    return result;
  }

  /** The HTTP exchange: resolves for answers below 500, throws for 5xx, timeouts and network errors (breaker failures). */
  private send(call: HttpCall): Promise<HttpAnswer> {
    const url = new URL(call.path, this.options.baseUrl);
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    return new Promise<HttpAnswer>((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: call.method,
          agent: this.agent,
          headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error) => {
            clearTimeout(timer);
            reject(error);
          });
          res.on('end', () => {
            clearTimeout(timer);
            const status = res.statusCode ?? 0;
            let body: unknown = null;
            try {
              body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
            } catch {
              body = null;
            }
            if (status >= 500) reject(new ServerError(status));
            else resolve({ status, body });
          });
        },
      );
      // Give up after timeoutMs and drop the socket, so a provider that never answers holds nothing of ours.
      const timer = setTimeout(() => {
        req.destroy(new TimeoutError(`provider did not answer within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      if (payload) req.write(payload);
      req.end();
    });
  }
}
