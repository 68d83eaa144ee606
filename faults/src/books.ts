import { FINAL_STATUSES, type FaultShop } from './shop';

// "The books" of a set of orders, read in bulk from the databases and the payment provider (the
// sandbox), never from logs: every order in exactly one final state (its row final, its history
// reaching a final status once, as its last entry), at most one payment row and one charge per
// order (a CONFIRMED order: exactly one, captured, nothing refunded; a CANCELLED one: nothing kept
// once its compensation ran), at most one refund per charge, the reservation COMMITTED for a
// CONFIRMED order and released (or never made) for a CANCELLED one; and the stock of the given
// products equal to seeded minus sold (COMMITTED lines), `reserved` equal to what ACTIVE
// reservations hold, never negative. Violations are thrown as one Error listing them.

export interface BooksResult {
  confirmed: number;
  cancelled: number;
  /** Charges at the provider for these orders. */
  charges: number;
  /** Refunds at the provider for these orders' charges. */
  refunds: number;
  /** Final status per order id. */
  finals: Map<string, { status: string; history: { version: number; status: string }[] }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls orders' database until every order is CONFIRMED or CANCELLED; resolves with how long it took. */
export async function waitAllFinal(shop: FaultShop, orderIds: string[], timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const [{ open }] = await shop.sql<{ open: number }>('orders', `SELECT count(*)::int AS open FROM orders WHERE id = ANY($1::uuid[]) AND status NOT IN ('CONFIRMED', 'CANCELLED')`, [orderIds]);
    const [{ known }] = await shop.sql<{ known: number }>('orders', 'SELECT count(*)::int AS known FROM orders WHERE id = ANY($1::uuid[])', [orderIds]);
    if (open === 0 && known === orderIds.length) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${open} of ${orderIds.length} orders not final (${orderIds.length - known} unknown) within ${timeoutMs} ms`);
    await sleep(500);
  }
}

/** Checks stock rows of `initialStock`'s products: on_hand = seeded − sold, reserved = held by ACTIVE reservations, neither negative. Returns violations. */
export async function stockViolations(shop: FaultShop, initialStock: Map<string, number>): Promise<string[]> {
  const ids = [...initialStock.keys()];
  const rows = await shop.sql<{ product_id: string; on_hand: number; reserved: number; sold: number; held: number }>(
    'inventory',
    `SELECT s.product_id, s.on_hand, s.reserved,
            COALESCE(SUM(l.quantity) FILTER (WHERE r.status = 'COMMITTED'), 0)::int AS sold,
            COALESCE(SUM(l.quantity) FILTER (WHERE r.status = 'ACTIVE'), 0)::int AS held
       FROM stock s
       LEFT JOIN reservation_lines l ON l.product_id = s.product_id
       LEFT JOIN reservations r ON r.order_id = l.order_id
      WHERE s.product_id = ANY($1::text[])
      GROUP BY s.product_id, s.on_hand, s.reserved`,
    [ids],
  );
  const out: string[] = [];
  if (rows.length !== ids.length) out.push(`${ids.length - rows.length} products have no stock row`);
  for (const r of rows) {
    const expected = initialStock.get(r.product_id)! - r.sold;
    if (r.on_hand !== expected || r.reserved !== r.held || r.on_hand < 0 || r.reserved < 0) {
      out.push(`stock of ${r.product_id}: on_hand ${r.on_hand} (seeded ${initialStock.get(r.product_id)} − sold ${r.sold} = ${expected}), reserved ${r.reserved} (ACTIVE reservations hold ${r.held})`);
    }
  }
  return out;
}

/**
 * Waits until every order is final and every CANCELLED one's compensation settled (nothing kept at
 * the provider, no reservation ACTIVE), then checks the books (top of the file). Throws on any violation.
 */
export async function checkBooksBulk(shop: FaultShop, orderIds: string[], initialStock: Map<string, number>, timeoutMs: number): Promise<BooksResult> {
  await waitAllFinal(shop, orderIds, timeoutMs);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const violations: string[] = [];
    const orders = await shop.sql<{ id: string; status: string; total: number }>('orders', 'SELECT id, status, total FROM orders WHERE id = ANY($1::uuid[])', [orderIds]);
    const history = await shop.sql<{ order_id: string; version: number; status: string }>(
      'orders',
      'SELECT order_id, version, status FROM order_status_history WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, version',
      [orderIds],
    );
    const payments = await shop.sql<{ order_id: string; status: string; amount: number }>('payments', 'SELECT order_id, status, amount FROM payments WHERE order_id = ANY($1::text[])', [orderIds]);
    const reservations = await shop.sql<{ order_id: string; status: string }>('inventory', 'SELECT order_id, status FROM reservations WHERE order_id = ANY($1::text[])', [orderIds]);
    const wanted = new Set(orderIds);
    const charges = (await shop.sandbox.charges()).filter((c) => wanted.has(c.metadata.order_id));
    const chargeIds = new Set(charges.map((c) => c.id));
    const refunds = (await shop.sandbox.refunds()).filter((r) => chargeIds.has(r.charge));
    const group = <T>(rows: T[], key: (row: T) => string) => {
      const map = new Map<string, T[]>();
      for (const row of rows) map.set(key(row), [...(map.get(key(row)) ?? []), row]);
      return map;
    };
    const historyOf = group(history, (h) => h.order_id);
    const paymentsOf = group(payments, (p) => p.order_id);
    const reservationsOf = group(reservations, (r) => r.order_id);
    const chargesOf = group(charges, (c) => c.metadata.order_id);
    const refundsOf = group(refunds, (r) => r.charge);
    const result: BooksResult = { confirmed: 0, cancelled: 0, charges: charges.length, refunds: refunds.length, finals: new Map() };
    const unsettled: string[] = [];
    // A CONFIRMED order's reservation is committed after the confirmation (orders' CommitStock,
    // handled by inventory on its own time): ACTIVE for a moment is on its way, not a violation.
    const committing: string[] = [];
    for (const order of orders) {
      const h = historyOf.get(order.id) ?? [];
      const finalsInHistory = h.filter((e) => FINAL_STATUSES.has(e.status));
      const versions = h.map((e) => e.version);
      if (finalsInHistory.length !== 1 || h[h.length - 1]?.status !== order.status || versions.some((v, i) => v !== i + 1)) {
        violations.push(`order ${order.id} (${order.status}): history ${JSON.stringify(h.map((e) => [e.version, e.status]))}`);
      }
      result.finals.set(order.id, { status: order.status, history: h.map((e) => ({ version: e.version, status: e.status })) });
      const pays = paymentsOf.get(order.id) ?? [];
      const chs = chargesOf.get(order.id) ?? [];
      const res = reservationsOf.get(order.id) ?? [];
      if (pays.length > 1) violations.push(`order ${order.id}: ${pays.length} payment rows`);
      if (chs.length > 1) violations.push(`order ${order.id}: ${chs.length} charges at the provider`);
      if (res.length > 1) violations.push(`order ${order.id}: ${res.length} reservations`);
      for (const c of chs) if ((refundsOf.get(c.id) ?? []).length > 1) violations.push(`charge ${c.id} of order ${order.id}: ${refundsOf.get(c.id)!.length} refunds`);
      if (order.status === 'CONFIRMED') {
        result.confirmed++;
        const paid =
          chs.length === 1 && chs[0].status === 'succeeded' && chs[0].amount === order.total && chs[0].amount_refunded === 0 &&
          pays.length === 1 && pays[0].status === 'CAPTURED' && pays[0].amount === order.total;
        const ok = paid && res.length === 1 && res[0].status === 'COMMITTED';
        if (paid && res.length === 1 && res[0].status === 'ACTIVE' && Date.now() < deadline) committing.push(order.id);
        else if (!ok) violations.push(`CONFIRMED order ${order.id}: charges ${JSON.stringify(chs.map((c) => [c.status, c.amount, c.amount_refunded]))}, payments ${JSON.stringify(pays)}, reservations ${JSON.stringify(res)}`);
      } else {
        result.cancelled++;
        const kept = chs.filter((c) => c.status === 'succeeded').reduce((sum, c) => sum + c.amount - c.amount_refunded, 0);
        if (kept !== 0 || res.some((r) => r.status === 'ACTIVE' || r.status === 'COMMITTED')) {
          const refundsOfOrder = chs.flatMap((c) => (refundsOf.get(c.id) ?? []).map((r) => [c.id, r.amount]));
          unsettled.push(
            `order ${order.id} (${order.status}, history ${h.map((e) => e.status).join('→')}): kept ${kept}; charges ${JSON.stringify(chs.map((c) => [c.id, c.status, c.amount, c.amount_refunded]))}, ` +
              `refunds ${JSON.stringify(refundsOfOrder)}, payments ${JSON.stringify(pays)}, reservations ${JSON.stringify(res.map((r) => r.status))}`,
          );
        }
      }
    }
    if (unsettled.length + committing.length > 0 && violations.length === 0 && Date.now() < deadline) {
      await sleep(1000); // compensation on its way
      continue;
    }
    if (unsettled.length > 0) violations.push(`${unsettled.length} CANCELLED orders keep money or stock after ${timeoutMs} ms:`, ...unsettled);
    violations.push(...(await stockViolations(shop, initialStock)));
    if (violations.length > 0) throw new Error(`the books do not balance (${violations.length}):\n  ${violations.slice(0, 40).join('\n  ')}`);
    return result;
  }
}
