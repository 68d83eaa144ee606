import { backoffDelay, classifyAnswer, decide, decideAfterReconcile, type AttemptResult } from './retry.policy';

describe('backoffDelay (exponential, full jitter)', () => {
  it('stays within [0, min(max, base * 2^retry)] for every random draw', () => {
    for (let retry = 0; retry < 8; retry += 1) {
      const ceiling = Math.min(2000, 100 * 2 ** retry);
      expect(backoffDelay(retry, 100, 2000, () => 0)).toBe(0);
      expect(backoffDelay(retry, 100, 2000, () => 0.999999)).toBe(ceiling - 1);
      for (let i = 0; i < 200; i += 1) {
        const delay = backoffDelay(retry, 100, 2000);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it('doubles the ceiling per retry until the cap', () => {
    const half = () => 0.5;
    expect([0, 1, 2, 3, 4, 5].map((r) => backoffDelay(r, 100, 2000, half))).toEqual([50, 100, 200, 400, 800, 1000]);
  });

  it('spreads delays over the whole range (jitter), not around one value', () => {
    const delays = Array.from({ length: 500 }, () => backoffDelay(3, 100, 2000));
    expect(Math.min(...delays)).toBeLessThan(200);
    expect(Math.max(...delays)).toBeGreaterThan(600);
  });
});

describe('outcome decision table', () => {
  const cases: [string, AttemptResult, number, string][] = [
    ['2xx succeeds', { kind: 'ok', status: 200, body: {} }, 2, 'succeed'],
    ['402 is a decline, final even with retries left', { kind: 'rejected', status: 402, code: 'card_declined' }, 2, 'decline'],
    ['another 4xx is rejected, never retried', { kind: 'rejected', status: 400, code: 'token_invalid' }, 2, 'reject'],
    ['5xx is retried while attempts are left', { kind: 'server_error', status: 500 }, 1, 'retry'],
    ['5xx gives up when none are left', { kind: 'server_error', status: 503 }, 0, 'give_up'],
    ['a timeout is reconciled first', { kind: 'timeout' }, 2, 'reconcile'],
    ['a timeout is reconciled even on the last attempt', { kind: 'timeout' }, 0, 'reconcile'],
    ['a network error is reconciled like a timeout', { kind: 'network_error', message: 'ECONNRESET' }, 1, 'reconcile'],
    ['an open breaker fails fast, no retry', { kind: 'breaker_open' }, 2, 'fail_fast'],
  ];
  it.each(cases)('%s', (_name, result, left, expected) => {
    expect(decide(result, left)).toBe(expected);
  });

  it('after reconciling: a found charge is captured; otherwise retry with the same key, then give up', () => {
    expect(decideAfterReconcile('found', 0)).toBe('captured');
    expect(decideAfterReconcile('found', 2)).toBe('captured');
    expect(decideAfterReconcile('absent', 1)).toBe('retry');
    expect(decideAfterReconcile('unknown', 1)).toBe('retry');
    expect(decideAfterReconcile('absent', 0)).toBe('give_up');
    expect(decideAfterReconcile('unknown', 0)).toBe('give_up');
  });

  it('classifies HTTP answers by status and error code', () => {
    expect(classifyAnswer(200, { id: 'ch_1' })).toEqual({ kind: 'ok', status: 200, body: { id: 'ch_1' } });
    expect(classifyAnswer(402, { error: { code: 'insufficient_funds' } })).toEqual({ kind: 'rejected', status: 402, code: 'insufficient_funds' });
    expect(classifyAnswer(404, null)).toEqual({ kind: 'rejected', status: 404, code: 'http_404' });
    expect(classifyAnswer(503, { error: { code: 'service_unavailable' } })).toEqual({ kind: 'server_error', status: 503 });
  });
});
