import { Channel } from './channel';
import { SLOW_CONSUMER, sendQueueVerdict } from './backpressure';
import { limitConcurrency, shareInFlight } from './index';

const limits = { maxPendingMessages: 3, maxBufferedBytes: 1000 };

describe('sendQueueVerdict', () => {
  it('lets a socket that keeps up be', () => {
    expect(sendQueueVerdict({ pendingMessages: 3, bufferedBytes: 1000 }, limits)).toBeNull();
    expect(sendQueueVerdict({ pendingMessages: 0, bufferedBytes: 0 }, limits)).toBeNull();
  });

  it('condemns a socket with too many undelivered messages or too many unsent bytes, saying which', () => {
    expect(sendQueueVerdict({ pendingMessages: 4, bufferedBytes: 0 }, limits)).toBe('4 messages waiting (limit 3)');
    expect(sendQueueVerdict({ pendingMessages: 0, bufferedBytes: 1001 }, limits)).toBe('1001 bytes buffered (limit 1000)');
  });

  it('closes with a client-retryable code outside the protocol\'s own range', () => {
    expect(SLOW_CONSUMER.code).toBe(4008);
    expect(SLOW_CONSUMER.reason).toMatch(/slow consumer/i);
  });
});

describe('Channel (a subscription\'s queue towards the socket)', () => {
  it('queues what the sender has not taken yet, in order', async () => {
    const channel = new Channel<number>();
    channel.push(1);
    channel.push(2);
    expect(channel.size).toBe(2);
    expect(await channel.next()).toEqual({ value: 1, done: false });
    expect(channel.size).toBe(1);
    const waiting = channel.next();
    const third = channel.next();
    channel.push(3);
    expect(await waiting).toEqual({ value: 2, done: false });
    expect(await third).toEqual({ value: 3, done: false });
  });

  it('return() ends at once, even while the sender waits, drops the queue and cleans up once', async () => {
    let cleanups = 0;
    const channel = new Channel<number>(() => (cleanups += 1));
    const waiting = channel.next();
    await channel.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    channel.push(1);
    expect(channel.size).toBe(0);
    await channel.return();
    expect(cleanups).toBe(1);
  });

  it('end() finishes after the queued messages are taken', async () => {
    let cleanups = 0;
    const channel = new Channel<string>(() => (cleanups += 1));
    channel.push('last words');
    channel.end();
    channel.push('ignored');
    expect(cleanups).toBe(0);
    expect(await channel.next()).toEqual({ value: 'last words', done: false });
    expect(cleanups).toBe(1);
    expect(await channel.next()).toEqual({ value: undefined, done: true });
  });
});

describe('limitConcurrency', () => {
  it('never runs more than the limit at once and runs everything', async () => {
    let active = 0;
    let peak = 0;
    const run = limitConcurrency(async () => {
      active += 1;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 2));
      active -= 1;
      return { data: {} };
    }, 3);
    const viewer = { id: 'u', role: 'CUSTOMER' as const };
    await Promise.all(Array.from({ length: 20 }, () => run('q', {}, viewer)));
    expect(peak).toBe(3);
    expect(active).toBe(0);
  });
});

describe('shareInFlight', () => {
  const alice = { id: 'u1', role: 'CUSTOMER' as const };
  const bob = { id: 'u2', role: 'CUSTOMER' as const };

  it('runs identical concurrent queries of one viewer once, and others separately', async () => {
    let calls = 0;
    const run = shareInFlight(async (query, variables, viewer) => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return { data: { query, variables, viewer: viewer!.id, call: calls } };
    });
    const [a, b, c, d] = await Promise.all([
      run('q', { id: 1 }, alice),
      run('q', { id: 1 }, alice),
      run('q', { id: 1 }, bob),
      run('q', { id: 2 }, alice),
    ]);
    expect(a).toBe(b);
    expect(c.data?.viewer).toBe('u2');
    expect(d).not.toBe(a);
    expect(calls).toBe(3);
  });

  it('keeps nothing once a query settles: the next event reads fresh state, and a failure is not remembered', async () => {
    let calls = 0;
    const run = shareInFlight(async () => {
      calls++;
      if (calls === 1) throw new Error('subgraph down');
      return { data: { call: calls } };
    });
    await expect(run('q', {}, alice)).rejects.toThrow('subgraph down');
    expect((await run('q', {}, alice)).data).toEqual({ call: 2 });
    expect((await run('q', {}, alice)).data).toEqual({ call: 3 });
  });
});
