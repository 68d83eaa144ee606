import { afterFailure, classifySmtpError, retryDelayMs } from './send-policy';

const policy = { maxAttempts: 4, baseMs: 1000, maxMs: 8000 };

describe('send policy', () => {
  it('backs off exponentially up to the cap, with at most half of it random', () => {
    expect(retryDelayMs(1, policy, () => 0)).toBe(500);
    expect(retryDelayMs(1, policy, () => 1)).toBe(1000);
    expect(retryDelayMs(3, policy, () => 0)).toBe(2000);
    expect(retryDelayMs(3, policy, () => 1)).toBe(4000);
    expect(retryDelayMs(10, policy, () => 1)).toBe(8000);
    expect(retryDelayMs(10, policy, () => 0)).toBe(4000);
  });

  it('retries refused connections and 4xx replies, gives up at once on a 5xx reply', () => {
    expect(classifySmtpError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1025'), { code: 'ESOCKET' })).permanent).toBe(false);
    expect(classifySmtpError(Object.assign(new Error('Greylisted'), { code: 'EENVELOPE', responseCode: 451 })).permanent).toBe(false);
    const refused = classifySmtpError(Object.assign(new Error('Mailbox unavailable'), { code: 'EENVELOPE', responseCode: 550 }));
    expect(refused).toEqual({ permanent: true, reason: 'EENVELOPE 550: Mailbox unavailable' });
    // A failed login is configuration (or a server mid-restart): retried, not a verdict on the message.
    expect(classifySmtpError(Object.assign(new Error('Invalid login'), { code: 'EAUTH', responseCode: 535 })).permanent).toBe(false);
  });

  it('fails after the last attempt, or at once when the failure is permanent', () => {
    const transient = { permanent: false, reason: 'x' };
    expect(afterFailure(1, transient, policy)).toMatchObject({ status: 'PENDING' });
    expect(afterFailure(3, transient, policy)).toMatchObject({ status: 'PENDING' });
    expect(afterFailure(4, transient, policy)).toEqual({ status: 'FAILED' });
    expect(afterFailure(1, { permanent: true, reason: 'x' }, policy)).toEqual({ status: 'FAILED' });
  });
});
