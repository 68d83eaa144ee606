/**
 * When a saga step may time out — the rule, as pure functions (the sweeper feeds them what it read).
 *
 * 1. A step's deadline counts from when its command actually left: the `sent_at` of the order's
 *    ReserveStock / AuthorizePayment row in the outbox (set by the relay once Kafka acknowledged
 *    the publish) plus the step's timeout. While the command is unsent (the broker is down, the
 *    relay cannot publish) the step has no deadline at all. `orders.deadline_at` holds the
 *    nominal deadline (enqueued + timeout), a lower bound; the sweeper moves it to the exact one
 *    once it sees the command sent.
 * 2. No step times out while the broker is in trouble, nor for a grace period after: the replies
 *    to commands that did leave may be stuck in Kafka or in another service's outbox. "Trouble"
 *    is what this replica can see: its saga consumer has not fetched for `stallSeconds`, or its
 *    own outbox has a row unsent for `stallSeconds`.
 */

/** What the sweeper knows about the command the order's current step waits on. */
export type StepCommand =
  /** The outbox row, with its sent time (null: not published yet). */
  | { kind: 'row'; sentAt: Date | null }
  /**
   * No row to look at: an order from before the rule (no command id recorded), or a row the
   * outbox cleanup deleted (a day after it was sent). The nominal deadline applies.
   */
  | { kind: 'unknown' };

export type StepVerdict =
  /** Past its deadline: cancel it. */
  | { due: true }
  /** Not yet: `deadline` is the exact deadline when it is known (null while the command is unsent). */
  | { due: false; deadline: Date | null; why: 'unsent' | 'not yet due' };

/** Applies rule 1 to one order whose nominal deadline has passed. */
export function judgeStep(now: Date, nominalDeadline: Date, command: StepCommand, timeoutSeconds: number): StepVerdict {
  if (command.kind === 'unknown') return now >= nominalDeadline ? { due: true } : { due: false, deadline: nominalDeadline, why: 'not yet due' };
  if (!command.sentAt) return { due: false, deadline: null, why: 'unsent' };
  const deadline = new Date(command.sentAt.getTime() + timeoutSeconds * 1000);
  return now >= deadline ? { due: true } : { due: false, deadline, why: 'not yet due' };
}

/** What this replica can see of the broker at one sweep. */
export interface BrokerSignals {
  /** ms since the saga consumer last fetched or handled a message; undefined when this replica runs no saga consumer. */
  consumerIdleMs?: number;
  /** Age in ms of the oldest outbox row not yet published (0 when there is none). */
  oldestUnsentMs: number;
}

export interface HoldPolicy {
  /** Silence of the consumer, or an unsent row, this long means the broker is in trouble. */
  stallSeconds: number;
  /** After trouble ends, steps still do not time out for this long. */
  graceSeconds: number;
}

/** The trouble seen in `signals`, as a sentence for the log, or null when there is none. */
export function brokerTrouble(signals: BrokerSignals, policy: HoldPolicy): string | null {
  const stallMs = policy.stallSeconds * 1000;
  if (signals.consumerIdleMs !== undefined && signals.consumerIdleMs >= stallMs) {
    return `the saga consumer has not fetched for ${Math.round(signals.consumerIdleMs / 1000)} s`;
  }
  if (signals.oldestUnsentMs >= stallMs) return `an outbox row has been waiting ${Math.round(signals.oldestUnsentMs / 1000)} s to be published`;
  return null;
}

/**
 * Rule 2: whether the sweeper holds off now. `lastTroubleAt` is when trouble was last seen
 * (null: never since start); the caller records `now` as the new value whenever `trouble` is set.
 */
export function holdOff(now: number, trouble: string | null, lastTroubleAt: number | null, policy: HoldPolicy): { hold: boolean; why?: string } {
  if (trouble) return { hold: true, why: trouble };
  if (lastTroubleAt !== null && now - lastTroubleAt < policy.graceSeconds * 1000) {
    return { hold: true, why: `broker trouble ended ${Math.round((now - lastTroubleAt) / 1000)} s ago (grace ${policy.graceSeconds} s)` };
  }
  return { hold: false };
}
