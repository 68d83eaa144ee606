import type { DataSource, EntityManager } from 'typeorm';
import { createEvent, enqueueEvents, type EventEnvelope, type EventOrigin } from '@shopgraph/events';
import type { ReservationStatus } from '../entities/reservation.entity';
import type { ReservationStore, StoredReservation } from '../stores/reservation.store';
import type { StockStore } from '../stores/stock.store';
import type { StockRow } from '../types/stock-level.type';
import { SOURCE, stockChanged } from './stock.service';
import { normalizeLines, type StockLine } from '../domain/stock.validator';

export type ReservationFailure = 'OUT_OF_STOCK' | 'UNKNOWN_PRODUCT';

/** What reserve decided for an order; `replayed` when it was decided by an earlier call. */
export type ReserveOutcome =
  | { ok: true; orderId: string; lines: StockLine[]; expiresAt: Date; status: ReservationStatus; replayed: boolean }
  | { ok: false; orderId: string; reason: ReservationFailure; productIds: string[]; replayed: boolean };

/** What release/commit did: `changed` false when the reservation was not ACTIVE (already final, or none). */
export interface FinishOutcome {
  orderId: string;
  changed: boolean;
  status: ReservationStatus | null;
}

/** Options of every ReservationService call. */
export interface ReservationCallOptions {
  /** Causation of the events it emits (the saga command); default: a new correlation. */
  origin?: EventOrigin;
  /** Run inside this transaction (e.g. the inbox transaction of processOnce) instead of a new one. */
  manager?: EntityManager;
}

/** The event that tells the saga what reserve decided (re-sent when a retried command asks again). */
export function reserveOutcomeEvent(outcome: ReserveOutcome, origin: EventOrigin): EventEnvelope {
  return outcome.ok
    ? createEvent('StockReserved', outcome.orderId, { orderId: outcome.orderId, lines: outcome.lines }, origin)
    : createEvent('StockReservationFailed', outcome.orderId, { orderId: outcome.orderId, reason: outcome.reason, productIds: outcome.productIds }, origin);
}

/**
 * Reservations for the order saga: reserve all lines of an order or none, release, commit
 * (reserved → sold) and expiry. Every method is idempotent per order id, every stock change is
 * one conditional UPDATE, and every decision is emitted through the outbox in the same transaction.
 */
export class ReservationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly stock: StockStore,
    private readonly reservations: ReservationStore,
    private readonly defaultTtlSeconds: number,
  ) {}

  /**
   * Reserves every line for `orderId` in one transaction, or nothing when any line is short.
   * A second call for the same order returns the first outcome and reserves nothing more.
   */
  async reserve(orderId: string, lines: readonly StockLine[], ttlSeconds = this.defaultTtlSeconds, options: ReservationCallOptions = {}): Promise<ReserveOutcome> {
    if (!orderId) throw new Error('orderId is required');
    const wanted = normalizeLines(lines);
    const origin = options.origin ?? { source: SOURCE };
    return this.inTransaction(options.manager, async (manager) => {
      const expiresAt = await this.reservations.insertIfAbsent(manager, orderId, wanted, ttlSeconds);
      if (!expiresAt) return this.replay(await this.reservations.find(manager, orderId));

      // Everything the lines change is undone together if one of them is short (a single line
      // that is short changed nothing: no savepoint needed).
      const several = wanted.length > 1;
      if (several) await manager.query('SAVEPOINT reserve_lines');
      const changed: StockRow[] = [];
      for (const line of wanted) {
        const row = await this.stock.reserve(manager, line.productId, line.quantity);
        if (!row) {
          if (several) await manager.query('ROLLBACK TO SAVEPOINT reserve_lines');
          const { reason, productIds } = await this.shortLines(manager, wanted, line.productId);
          await this.reservations.markFailed(manager, orderId, reason, productIds);
          const outcome: ReserveOutcome = { ok: false, orderId, reason, productIds, replayed: false };
          await enqueueEvents(manager, [reserveOutcomeEvent(outcome, origin)]);
          return outcome;
        }
        changed.push(row);
      }
      if (several) await manager.query('RELEASE SAVEPOINT reserve_lines');
      const outcome: ReserveOutcome = { ok: true, orderId, lines: wanted, expiresAt, status: 'ACTIVE', replayed: false };
      await enqueueEvents(manager, [reserveOutcomeEvent(outcome, origin), ...changed.map((row) => stockChanged(row, `reserved for order ${orderId}`, origin))]);
      return outcome;
    });
  }

  /**
   * Gives an order's units back: an ACTIVE reservation is released (ACTIVE → RELEASED); a sold
   * one (COMMITTED, its order cancelled after confirmation) is restocked (→ RETURNED). A no-op
   * for any other state, so a redelivered ReleaseStock changes nothing.
   */
  release(orderId: string, options: ReservationCallOptions = {}): Promise<FinishOutcome> {
    const origin = options.origin ?? { source: SOURCE };
    return this.inTransaction(options.manager, async (manager) => {
      const released = await this.finish(manager, orderId, 'RELEASED', origin);
      if (released.changed || released.status !== 'COMMITTED') return released;
      if (!(await this.reservations.returnCommitted(manager, orderId))) {
        return { orderId, changed: false, status: (await this.reservations.find(manager, orderId))?.status ?? null };
      }
      const events: EventEnvelope[] = [];
      for (const line of await this.reservations.lines(manager, orderId)) {
        const row = await this.stock.restock(manager, line.productId, line.quantity);
        if (!row) throw new Error(`stock of ${line.productId} vanished while returning order ${orderId}`);
        const reason = `returned: order ${orderId} cancelled`;
        await this.stock.addMovement(manager, { productId: line.productId, delta: line.quantity, onHandAfter: row.onHand, reason, actor: 'system:orders' });
        events.push(stockChanged(row, reason, origin));
      }
      await enqueueEvents(manager, [createEvent('StockReleased', orderId, { orderId }, origin), ...events]);
      return { orderId, changed: true, status: 'RETURNED' };
    });
  }

  /**
   * Puts the goods of a received return back on hand (issue 15): each line's quantity is added to
   * its stock item with a RETURNED movement and a StockChanged, at most once per (return, stock
   * item) — a repeated RestockReturn adds nothing — and ReturnRestocked answers every time. A line
   * whose stock item has no record is skipped (logged by the caller's log of the reply).
   */
  restockReturn(
    command: { returnId: string; orderId: string; lines: { productId: string; variantId?: string; quantity: number }[] },
    options: ReservationCallOptions = {},
  ): Promise<{ restocked: { productId: string; quantity: number }[] }> {
    const origin = options.origin ?? { source: SOURCE };
    const { returnId, orderId } = command;
    return this.inTransaction(options.manager, async (manager) => {
      // Stock is kept per variant; merged per stock item, in a fixed order (lock order).
      const items = new Map<string, number>();
      for (const line of command.lines) {
        const item = line.variantId ?? line.productId;
        items.set(item, (items.get(item) ?? 0) + line.quantity);
      }
      const events: EventEnvelope[] = [];
      const restocked: { productId: string; quantity: number }[] = [];
      for (const [productId, quantity] of [...items].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const [first]: unknown[] = await manager.query(
          `INSERT INTO return_restocks (return_id, product_id, order_id, quantity) SELECT $1, $2, $3, $4
            WHERE EXISTS (SELECT 1 FROM stock WHERE product_id = $2) ON CONFLICT DO NOTHING RETURNING return_id`,
          [returnId, productId, orderId, quantity],
        );
        if (!first) continue; // restocked before (or no stock record)
        const row = await this.stock.restock(manager, productId, quantity);
        if (!row) throw new Error(`stock of ${productId} vanished while restocking return ${returnId}`);
        const reason = `RETURNED: return ${returnId} of order ${orderId}`;
        await this.stock.addMovement(manager, { productId, delta: quantity, onHandAfter: row.onHand, reason, actor: 'system:orders' });
        events.push(stockChanged(row, reason, origin));
        restocked.push({ productId, quantity });
      }
      await enqueueEvents(manager, [createEvent('ReturnRestocked', orderId, { returnId, orderId }, origin), ...events]);
      return { restocked };
    });
  }

  /** Turns an ACTIVE reservation into a sale (ACTIVE → COMMITTED: reserved and on hand both drop); a no-op otherwise. */
  commit(orderId: string, options: ReservationCallOptions = {}): Promise<FinishOutcome> {
    return this.inTransaction(options.manager, (manager) => this.finish(manager, orderId, 'COMMITTED', options.origin ?? { source: SOURCE }));
  }

  /**
   * Releases up to `limit` ACTIVE reservations past their expiry; returns their order ids.
   * Safe on several replicas at once: each takes the next one with SKIP LOCKED. One transaction
   * per reservation, so stock rows are always locked in product-id order, as reserve does.
   */
  async releaseExpired(limit = 100): Promise<string[]> {
    const released: string[] = [];
    while (released.length < limit) {
      const orderId = await this.dataSource.transaction(async (manager) => {
        const [next] = await this.reservations.lockExpired(manager, 1);
        if (next) await this.finish(manager, next, 'RELEASED', { source: SOURCE }, 'expired');
        return next;
      });
      if (!orderId) break;
      released.push(orderId);
    }
    return released;
  }

  /** The stored reservation of an order, with its lines (null when there is none). */
  find(orderId: string): Promise<StoredReservation | null> {
    return this.reservations.find(this.dataSource.manager, orderId);
  }

  private async finish(manager: EntityManager, orderId: string, to: 'RELEASED' | 'COMMITTED', origin: EventOrigin, why = ''): Promise<FinishOutcome> {
    const lines = await this.reservations.finish(manager, orderId, to);
    if (!lines) {
      const current = await this.reservations.find(manager, orderId);
      return { orderId, changed: false, status: current?.status ?? null };
    }
    const sold = to === 'COMMITTED';
    const events: EventEnvelope[] = [];
    // Lines come sorted by product id: the same lock order as reserve.
    for (const line of lines) {
      const row = await this.stock.unreserve(manager, line.productId, line.quantity, sold);
      // The reservation's units are counted in `reserved` until now; anything else is a broken invariant.
      if (!row) throw new Error(`stock of ${line.productId} does not hold the ${line.quantity} units reserved for order ${orderId}`);
      const reason = sold ? `sold: order ${orderId}` : `released${why ? ` (${why})` : ''}: order ${orderId}`;
      if (sold) await this.stock.addMovement(manager, { productId: line.productId, delta: -line.quantity, onHandAfter: row.onHand, reason, actor: 'system:orders' });
      events.push(stockChanged(row, reason, origin));
    }
    const outcome = sold
      ? createEvent('StockCommitted', orderId, { orderId }, origin)
      : createEvent('StockReleased', orderId, { orderId }, origin);
    await enqueueEvents(manager, [outcome, ...events]);
    return { orderId, changed: true, status: to };
  }

  /** After a short line: which products block the order (unknown ones first, else the short ones). */
  private async shortLines(manager: EntityManager, lines: StockLine[], firstShort: string): Promise<{ reason: ReservationFailure; productIds: string[] }> {
    const rows = new Map((await this.stock.findByProductIds(lines.map((l) => l.productId), manager)).map((r) => [r.productId, r]));
    const unknown = lines.filter((l) => !rows.has(l.productId)).map((l) => l.productId);
    if (unknown.length) return { reason: 'UNKNOWN_PRODUCT', productIds: unknown };
    const short = lines.filter((l) => {
      const row = rows.get(l.productId)!;
      return row.onHand - row.reserved < l.quantity;
    });
    // Stock can arrive between the failed UPDATE and this read: the product that failed stays named.
    return { reason: 'OUT_OF_STOCK', productIds: short.length ? short.map((l) => l.productId) : [firstShort] };
  }

  private replay(existing: StoredReservation | null): ReserveOutcome {
    if (!existing) throw new Error('reservation vanished while being read');
    if (existing.status === 'FAILED') {
      return {
        ok: false,
        orderId: existing.orderId,
        reason: existing.failureReason as ReservationFailure,
        productIds: existing.failedProductIds ?? [],
        replayed: true,
      };
    }
    return { ok: true, orderId: existing.orderId, lines: existing.lines, expiresAt: existing.expiresAt, status: existing.status, replayed: true };
  }

  private inTransaction<T>(manager: EntityManager | undefined, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return manager ? work(manager) : this.dataSource.transaction(work);
  }
}
