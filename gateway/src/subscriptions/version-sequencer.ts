import type { StatusChange } from './order-query';

/** One row of `Order.history` (history[i] is the change that produced version i + 1). */
export interface HistoryEntry {
  status: string;
  reason: string | null;
  at: string;
}

/** The order as a fresh query shows it: its version and history, and the subscriber's selection (`order`). */
export interface OrderSnapshot<O> {
  version: number;
  history: HistoryEntry[];
  order: O;
}

/** How a message came about: the order's state at subscribe time, a live event, or a change recovered from history. */
export type DeliveryKind = 'initial' | 'live' | 'recovered';

/** What the sequencer needs from the outside world; every call is made one at a time. */
export interface SequencerPorts<O> {
  /** Re-reads the order with its history (subscribe time and gap filling). */
  load(): Promise<OrderSnapshot<O>>;
  /** Resolves the subscriber's selection on the order for one live event. */
  resolve(): Promise<O>;
  /** Hands one message to the subscriber. */
  deliver(change: StatusChange & { occurredAt?: string }, order: O, kind: DeliveryKind): void | Promise<void>;
  /** The sequence cannot go on (load/resolve failed after subscribing). */
  fail(error: unknown): void;
}

/** The change that produced `version`, rebuilt from the history (null when history does not reach it). */
export function changeFromHistory(history: HistoryEntry[], version: number): StatusChange | null {
  const entry = history[version - 1];
  if (!entry) return null;
  return {
    version,
    status: entry.status,
    previousStatus: version >= 2 ? (history[version - 2]?.status ?? null) : null,
    reason: entry.reason,
    at: entry.at,
  };
}

/**
 * Orders one subscriber's view of one order: each version at most once and in increasing order,
 * none skipped. Events that arrive while the initial state is loading wait behind it; a stale
 * or duplicate version is dropped; a version gap (subscribed between events, a late or lost
 * message) is filled from the order's history before the event itself is delivered.
 */
export class VersionSequencer<O> {
  private lastDelivered: number | null = null;
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private closed = false;

  constructor(private readonly ports: SequencerPorts<O>) {}

  /** Versions delivered so far (null before the first). */
  get version(): number | null {
    return this.lastDelivered;
  }

  /** Events accepted but not yet handled (waiting behind a load or a resolve). */
  get backlog(): number {
    return this.queued;
  }

  /**
   * Loads the order and delivers its current state first. Resolves once it is delivered;
   * rejects (and closes the sequencer) when the load fails, e.g. the subscriber may not see it.
   */
  startFromCurrentState(): Promise<void> {
    const initial = this.tail.then(async () => {
      const snapshot = await this.ports.load();
      const current = changeFromHistory(snapshot.history, snapshot.version);
      if (this.closed) return;
      if (current) await this.ports.deliver(current, snapshot.order, 'initial');
      this.lastDelivered = snapshot.version;
    });
    this.tail = initial.catch(() => {
      this.closed = true;
    });
    return initial;
  }

  /**
   * Resumes a reconnecting client: loads the order and delivers, from its history and in order,
   * every change after the version `seen` names (the last one the client had), as 'recovered';
   * nothing when the client is up to date. Events accepted meanwhile wait behind it, and those
   * the history already covered are dropped, so each version arrives exactly once. Rejects (and
   * closes) like startFromCurrentState, also when `seen` throws (e.g. a version the order never had).
   */
  resume(seen: (snapshot: OrderSnapshot<O>) => number): Promise<void> {
    const start = this.tail.then(async () => {
      const snapshot = await this.ports.load();
      const after = seen(snapshot);
      for (let version = after + 1; version <= snapshot.version; version += 1) {
        if (this.closed) return;
        const missed = changeFromHistory(snapshot.history, version);
        if (missed) await this.ports.deliver(missed, snapshot.order, 'recovered');
      }
      this.lastDelivered = Math.max(after, snapshot.version);
    });
    this.tail = start.catch(() => {
      this.closed = true;
    });
    return start;
  }

  /** Accepts an event for this order; handled after everything accepted before it. */
  push(change: StatusChange & { occurredAt?: string }): void {
    if (this.closed) return;
    this.queued += 1;
    this.tail = this.tail.then(async () => {
      this.queued -= 1;
      if (this.closed) return;
      try {
        await this.handle(change);
      } catch (error) {
        this.closed = true;
        this.ports.fail(error);
      }
    });
  }

  /** Stops delivering; queued events are discarded. */
  close(): void {
    this.closed = true;
  }

  /** Resolves when everything accepted so far has been handled (tests, shutdown). */
  idle(): Promise<void> {
    return this.tail;
  }

  private async handle(change: StatusChange & { occurredAt?: string }): Promise<void> {
    const last = this.lastDelivered;
    if (last !== null && change.version <= last) return;
    if (last === null || change.version === last + 1) {
      const order = await this.ports.resolve();
      if (this.closed) return;
      await this.ports.deliver(change, order, 'live');
      this.lastDelivered = change.version;
      return;
    }
    // A gap: the versions in between are owed too; the history has them (same transaction as the event).
    const snapshot = await this.ports.load();
    if (this.closed) return;
    for (let version = last + 1; version < change.version; version += 1) {
      const missed = changeFromHistory(snapshot.history, version);
      if (missed) await this.ports.deliver(missed, snapshot.order, 'recovered');
    }
    await this.ports.deliver(change, snapshot.order, 'live');
    this.lastDelivered = change.version;
  }
}
