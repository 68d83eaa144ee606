import { brokerTrouble, holdOff, judgeStep, type HoldPolicy } from './saga-clock';
import { ConsumerActivity } from '../services/saga.sweeper';

const t = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + seconds * 1000);
const TIMEOUT = 20;
// Enqueued at t(0): the nominal deadline is t(20).
const nominal = t(TIMEOUT);

describe('saga clock, rule 1: a step times out `timeout` after its command left', () => {
  it('never times out while the command is unsent, however long past the nominal deadline', () => {
    for (const now of [t(20), t(21), t(600), t(86_400)]) {
      expect(judgeStep(now, nominal, { kind: 'row', sentAt: null }, TIMEOUT)).toEqual({ due: false, deadline: null, why: 'unsent' });
    }
  });

  it('counts from the sent time: sent 40 s late (a broker outage), it is due at sent + timeout, not before', () => {
    const sent = { kind: 'row', sentAt: t(40) } as const;
    expect(judgeStep(t(45), nominal, sent, TIMEOUT)).toEqual({ due: false, deadline: t(60), why: 'not yet due' });
    expect(judgeStep(t(59.999), nominal, sent, TIMEOUT)).toMatchObject({ due: false, deadline: t(60) });
    expect(judgeStep(t(60), nominal, sent, TIMEOUT)).toEqual({ due: true });
    expect(judgeStep(t(61), nominal, sent, TIMEOUT)).toEqual({ due: true });
  });

  it('sent at once (the normal case), the deadline is the nominal one', () => {
    const sent = { kind: 'row', sentAt: t(0.01) } as const;
    expect(judgeStep(t(20), nominal, sent, TIMEOUT)).toMatchObject({ due: false, deadline: t(20.01) });
    expect(judgeStep(t(20.01), nominal, sent, TIMEOUT)).toEqual({ due: true });
  });

  it('uses the timeout it is given (the step\'s own: reservation or payment)', () => {
    const sent = { kind: 'row', sentAt: t(0) } as const;
    expect(judgeStep(t(30), nominal, sent, 900)).toMatchObject({ due: false, deadline: t(900) });
    expect(judgeStep(t(900), nominal, sent, 900)).toEqual({ due: true });
  });

  it('falls back to the nominal deadline when the command row is unknown (an older order, or a row cleaned up a day after sending)', () => {
    expect(judgeStep(t(19), nominal, { kind: 'unknown' }, TIMEOUT)).toMatchObject({ due: false, deadline: nominal });
    expect(judgeStep(t(20), nominal, { kind: 'unknown' }, TIMEOUT)).toEqual({ due: true });
  });
});

describe('saga clock, rule 2: no timeout while the broker is in trouble, nor for a grace period after', () => {
  const policy: HoldPolicy = { stallSeconds: 10, graceSeconds: 60 };

  it('sees trouble in a silent saga consumer or an outbox row waiting to be published', () => {
    expect(brokerTrouble({ consumerIdleMs: 300, oldestUnsentMs: 0 }, policy)).toBeNull();
    expect(brokerTrouble({ consumerIdleMs: 9_999, oldestUnsentMs: 9_999 }, policy)).toBeNull();
    expect(brokerTrouble({ consumerIdleMs: 10_000, oldestUnsentMs: 0 }, policy)).toMatch(/saga consumer has not fetched for 10 s/);
    expect(brokerTrouble({ consumerIdleMs: Number.POSITIVE_INFINITY, oldestUnsentMs: 0 }, policy)).toMatch(/has not fetched/);
    expect(brokerTrouble({ consumerIdleMs: 100, oldestUnsentMs: 12_000 }, policy)).toMatch(/outbox row has been waiting 12 s/);
    // A replica without a saga consumer judges by its outbox alone.
    expect(brokerTrouble({ oldestUnsentMs: 0 }, policy)).toBeNull();
    expect(brokerTrouble({ oldestUnsentMs: 10_000 }, policy)).toMatch(/outbox/);
  });

  it('holds during trouble and for `graceSeconds` after it was last seen, then lets steps time out', () => {
    const end = 1_000_000;
    expect(holdOff(end, 'the saga consumer has not fetched for 40 s', end, policy)).toEqual({ hold: true, why: expect.stringMatching(/not fetched/) });
    expect(holdOff(end + 1_000, null, end, policy)).toEqual({ hold: true, why: expect.stringMatching(/ended 1 s ago \(grace 60 s\)/) });
    expect(holdOff(end + 59_999, null, end, policy).hold).toBe(true);
    expect(holdOff(end + 60_000, null, end, policy)).toEqual({ hold: false });
    expect(holdOff(end, null, null, policy)).toEqual({ hold: false });
  });
});

describe('ConsumerActivity', () => {
  it('is idle for ever before the first fetch, then counts from the latest sign of life of either source', () => {
    const activity = new ConsumerActivity();
    expect(activity.idleMs(1_000)).toBe(Number.POSITIVE_INFINITY);
    activity.seen(1_000);
    expect(activity.idleMs(4_000)).toBe(3_000);
    activity.probe = () => 3_500;
    expect(activity.idleMs(4_000)).toBe(500);
    activity.probe = () => null;
    expect(activity.idleMs(4_000)).toBe(3_000);
  });
});
