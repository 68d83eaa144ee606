import type { StatusChange } from './order-query';
import { changeFromHistory, VersionSequencer, type DeliveryKind, type HistoryEntry, type OrderSnapshot } from './version-sequencer';

const STATUSES = ['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED'];

/** An order whose history the test advances; `event(v)` is the OrderStatusChanged of version v. */
class FakeOrder {
  history: HistoryEntry[] = [];
  loads = 0;
  resolves = 0;
  advance(to: number) {
    while (this.history.length < to) {
      const n = this.history.length;
      this.history.push({ status: STATUSES[n], reason: null, at: new Date(1_700_000_000_000 + n * 1000).toISOString() });
    }
  }
  event(version: number): StatusChange {
    return changeFromHistory(this.history, version)!;
  }
}

interface Delivered {
  version: number;
  status: string;
  previousStatus: string | null;
  kind: DeliveryKind;
  order: string;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function harness(order: FakeOrder, options: { holdLoad?: Promise<void> } = {}) {
  const delivered: Delivered[] = [];
  const failures: unknown[] = [];
  const sequencer = new VersionSequencer<string>({
    load: async (): Promise<OrderSnapshot<string>> => {
      order.loads += 1;
      if (options.holdLoad) await options.holdLoad;
      return { version: order.history.length, history: [...order.history], order: `order@v${order.history.length}` };
    },
    resolve: async () => {
      order.resolves += 1;
      return `order@v${order.history.length}`;
    },
    deliver: (change, o, kind) => {
      delivered.push({ version: change.version, status: change.status, previousStatus: change.previousStatus, kind, order: o });
    },
    fail: (error) => failures.push(error),
  });
  return { sequencer, delivered, failures };
}

describe('VersionSequencer', () => {
  it('delivers the current state first, then each later version once, in order', async () => {
    const order = new FakeOrder();
    order.advance(1);
    const { sequencer, delivered } = harness(order);
    await sequencer.startFromCurrentState();
    order.advance(3);
    sequencer.push(order.event(2));
    sequencer.push(order.event(3));
    await sequencer.idle();
    expect(delivered.map((d) => [d.version, d.status, d.previousStatus, d.kind])).toEqual([
      [1, 'PENDING', null, 'initial'],
      [2, 'AWAITING_PAYMENT', 'PENDING', 'live'],
      [3, 'CONFIRMED', 'AWAITING_PAYMENT', 'live'],
    ]);
    expect(order.resolves).toBe(2);
  });

  it('drops duplicates and stale versions', async () => {
    const order = new FakeOrder();
    order.advance(2);
    const { sequencer, delivered } = harness(order);
    await sequencer.startFromCurrentState();
    order.advance(3);
    for (const v of [1, 2, 3, 3, 2, 1, 3]) sequencer.push(order.event(v));
    await sequencer.idle();
    expect(delivered.map((d) => d.version)).toEqual([2, 3]);
  });

  it('fills a version gap from the history, then delivers the event; late copies of the filled versions are dropped', async () => {
    const order = new FakeOrder();
    order.advance(1);
    const { sequencer, delivered } = harness(order);
    await sequencer.startFromCurrentState();
    order.advance(4);
    sequencer.push(order.event(4)); // 2 and 3 are late
    sequencer.push(order.event(2));
    sequencer.push(order.event(3));
    await sequencer.idle();
    expect(delivered.map((d) => [d.version, d.status, d.previousStatus, d.kind])).toEqual([
      [1, 'PENDING', null, 'initial'],
      [2, 'AWAITING_PAYMENT', 'PENDING', 'recovered'],
      [3, 'CONFIRMED', 'AWAITING_PAYMENT', 'recovered'],
      [4, 'SHIPPED', 'CONFIRMED', 'live'],
    ]);
    expect(order.loads).toBe(2); // the initial state and one re-read for the gap
    expect(order.resolves).toBe(0);
  });

  it('buffers events that arrive while the initial state loads and delivers only those after it', async () => {
    const order = new FakeOrder();
    order.advance(1);
    const gate = deferred<void>();
    const { sequencer, delivered } = harness(order, { holdLoad: gate.promise });
    const ready = sequencer.startFromCurrentState();
    // The order moves on while the load is in flight: the load will see v2, the events 2 and 3 arrive meanwhile.
    order.advance(2);
    sequencer.push(order.event(2));
    order.advance(3);
    sequencer.push(order.event(3));
    expect(delivered).toEqual([]);
    expect(sequencer.backlog).toBe(2);
    order.history.length = 2; // the load read the order between the two events
    gate.resolve();
    await ready;
    order.advance(3);
    await sequencer.idle();
    expect(delivered.map((d) => [d.version, d.kind])).toEqual([
      [2, 'initial'],
      [3, 'live'],
    ]);
    expect(sequencer.backlog).toBe(0);
  });

  it('without an initial state (myOrderUpdates), starts at the first event it sees', async () => {
    const order = new FakeOrder();
    order.advance(3);
    const { sequencer, delivered } = harness(order);
    sequencer.push(order.event(2));
    sequencer.push(order.event(3));
    sequencer.push(order.event(2));
    await sequencer.idle();
    expect(delivered.map((d) => [d.version, d.kind])).toEqual([
      [2, 'live'],
      [3, 'live'],
    ]);
  });

  it('rejects start when the load fails (e.g. FORBIDDEN) and then ignores events', async () => {
    const delivered: number[] = [];
    const sequencer = new VersionSequencer<string>({
      load: async () => {
        throw new Error('FORBIDDEN');
      },
      resolve: async () => 'x',
      deliver: (c) => void delivered.push(c.version),
      fail: () => undefined,
    });
    await expect(sequencer.startFromCurrentState()).rejects.toThrow('FORBIDDEN');
    sequencer.push({ version: 1, status: 'PENDING', previousStatus: null, reason: null, at: new Date().toISOString() });
    await sequencer.idle();
    expect(delivered).toEqual([]);
  });

  it('reports a failed re-read to fail() and stops', async () => {
    const order = new FakeOrder();
    order.advance(1);
    let broken = false;
    const failures: unknown[] = [];
    const delivered: number[] = [];
    const sequencer = new VersionSequencer<string>({
      load: async () => {
        if (broken) throw new Error('subgraph down');
        return { version: order.history.length, history: [...order.history], order: 'o' };
      },
      resolve: async () => 'o',
      deliver: (c) => void delivered.push(c.version),
      fail: (e) => failures.push(e),
    });
    await sequencer.startFromCurrentState();
    order.advance(5);
    broken = true;
    sequencer.push(order.event(4));
    sequencer.push(order.event(5));
    await sequencer.idle();
    expect(delivered).toEqual([1]);
    expect(failures).toHaveLength(1);
  });

  it('stops delivering once closed, even mid-resolve', async () => {
    const order = new FakeOrder();
    order.advance(1);
    const gate = deferred<void>();
    const delivered: number[] = [];
    const sequencer = new VersionSequencer<string>({
      load: async () => ({ version: 1, history: [...order.history], order: 'o' }),
      resolve: async () => {
        await gate.promise;
        return 'o';
      },
      deliver: (c) => void delivered.push(c.version),
      fail: () => undefined,
    });
    await sequencer.startFromCurrentState();
    order.advance(2);
    sequencer.push(order.event(2));
    await Promise.resolve();
    sequencer.close();
    gate.resolve();
    await sequencer.idle();
    expect(delivered).toEqual([1]);
  });

  describe('resume (afterVersion / since)', () => {
    it('delivers every version after the one the client saw, from history, then live ones, each once', async () => {
      const order = new FakeOrder();
      order.advance(4);
      const { sequencer, delivered } = harness(order);
      await sequencer.resume(() => 1);
      order.advance(5);
      sequencer.push(order.event(4)); // already recovered: dropped
      sequencer.push(order.event(5));
      await sequencer.idle();
      expect(delivered.map((d) => [d.version, d.status, d.previousStatus, d.kind])).toEqual([
        [2, 'AWAITING_PAYMENT', 'PENDING', 'recovered'],
        [3, 'CONFIRMED', 'AWAITING_PAYMENT', 'recovered'],
        [4, 'SHIPPED', 'CONFIRMED', 'recovered'],
        [5, 'DELIVERED', 'SHIPPED', 'live'],
      ]);
    });

    it('sends nothing when the client is up to date, and goes on live', async () => {
      const order = new FakeOrder();
      order.advance(3);
      const { sequencer, delivered } = harness(order);
      await sequencer.resume(() => 3);
      expect(delivered).toEqual([]);
      order.advance(4);
      sequencer.push(order.event(4));
      await sequencer.idle();
      expect(delivered.map((d) => [d.version, d.kind])).toEqual([[4, 'live']]);
    });

    it('events that arrive while the history loads wait behind it and are not sent twice', async () => {
      const order = new FakeOrder();
      order.advance(2);
      const gate = deferred<void>();
      const { sequencer, delivered } = harness(order, { holdLoad: gate.promise });
      const resumed = sequencer.resume(() => 0);
      // The order moves on while the load is in flight: the load (answering after the gate) sees
      // v4, and the events of v3 and v4 queue behind it; the history already covered them.
      order.advance(3);
      sequencer.push(order.event(3));
      order.advance(4);
      sequencer.push(order.event(4));
      gate.resolve();
      await resumed;
      await sequencer.idle();
      expect(delivered.map((d) => [d.version, d.kind])).toEqual([
        [1, 'recovered'],
        [2, 'recovered'],
        [3, 'recovered'],
        [4, 'recovered'],
      ]);
      expect(order.resolves).toBe(0);
    });

    it('rejects and closes when the client names a version the order never had', async () => {
      const order = new FakeOrder();
      order.advance(2);
      const { sequencer, delivered } = harness(order);
      await expect(
        sequencer.resume((snapshot) => {
          throw new Error(`ahead of ${snapshot.version}`);
        }),
      ).rejects.toThrow('ahead of 2');
      order.advance(3);
      sequencer.push(order.event(3));
      await sequencer.idle();
      expect(delivered).toEqual([]);
    });
  });
});
