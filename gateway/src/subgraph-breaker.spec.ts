import { CircuitBreaker, type BreakerState } from './subgraph-breaker';

function breaker(failureThreshold = 3, resetMs = 1000) {
  let now = 0;
  const changes: string[] = [];
  const b = new CircuitBreaker({
    failureThreshold,
    resetMs,
    now: () => now,
    onStateChange: (from: BreakerState, to: BreakerState) => changes.push(`${from}->${to}`),
  });
  return { b, changes, advance: (ms: number) => (now += ms) };
}

const fail = (b: CircuitBreaker) => b.acquire()!.failed();
const succeed = (b: CircuitBreaker) => b.acquire()!.succeeded();

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and a success resets the count', () => {
    const { b, changes } = breaker(3);
    fail(b);
    fail(b);
    succeed(b);
    fail(b);
    fail(b);
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(2);
    expect(b.acquire()).not.toBeNull();
    expect(changes).toEqual([]);
  });

  it('opens after N consecutive failures and refuses every call until the cool-down has passed', () => {
    const { b, changes, advance } = breaker(3, 1000);
    fail(b);
    fail(b);
    fail(b);
    expect(b.state).toBe('open');
    expect(changes).toEqual(['closed->open']);
    for (let i = 0; i < 100; i += 1) expect(b.acquire()).toBeNull();
    advance(999);
    expect(b.acquire()).toBeNull();
    expect(b.retryInMs()).toBe(1);
  });

  it('lets exactly one probe through when half-open; its success closes the circuit', () => {
    const { b, changes, advance } = breaker(2, 500);
    fail(b);
    fail(b);
    advance(500);
    const probe = b.acquire();
    expect(probe?.probe).toBe(true);
    expect(b.state).toBe('half_open');
    // Others are still refused while the probe is out.
    expect(b.acquire()).toBeNull();
    expect(b.acquire()).toBeNull();
    probe!.succeeded();
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(0);
    const next = b.acquire();
    expect(next?.probe).toBe(false);
    expect(changes).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  it('re-opens for another cool-down when the probe fails', () => {
    const { b, changes, advance } = breaker(1, 500);
    fail(b);
    advance(500);
    b.acquire()!.failed();
    expect(b.state).toBe('open');
    advance(499);
    expect(b.acquire()).toBeNull();
    advance(1);
    expect(b.acquire()?.probe).toBe(true);
    expect(changes).toEqual(['closed->open', 'open->half_open', 'half_open->open', 'open->half_open']);
  });

  it('ignores late outcomes of calls let through before the circuit opened', () => {
    const { b, advance } = breaker(2, 500);
    const slowOk = b.acquire()!;
    const slowFail = b.acquire()!;
    fail(b);
    fail(b);
    expect(b.state).toBe('open');
    slowOk.succeeded();
    slowFail.failed();
    expect(b.state).toBe('open');
    advance(500);
    const probe = b.acquire()!;
    // A late success of an old call does not close the half-open circuit either.
    slowOk.succeeded();
    expect(b.state).toBe('half_open');
    probe.succeeded();
    expect(b.state).toBe('closed');
  });

  it('counts a permit once however often it is settled', () => {
    const { b } = breaker(2);
    const permit = b.acquire()!;
    permit.failed();
    permit.failed();
    permit.failed();
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(1);
  });

  it('rejects nonsensical options', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0, resetMs: 1 })).toThrow(/failureThreshold/);
    expect(() => new CircuitBreaker({ failureThreshold: 1, resetMs: -1 })).toThrow(/resetMs/);
  });
});
