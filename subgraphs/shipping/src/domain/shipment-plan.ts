/** A line of an order (orders.v1): variantId absent = the product's default variant (id = productId). */
export interface OrderLine {
  productId: string;
  variantId?: string;
  quantity: number;
}

/** A line of a shipment: always with its variant (the product's id for a default variant). */
export interface PlannedLine {
  productId: string;
  variantId: string;
  quantity: number;
}

export interface RequestedLine {
  productId: string;
  variantId?: string | null;
  quantity: number;
}

export type PlanError = { kind: 'INVALID'; message: string; index: number | null } | { kind: 'NOTHING_LEFT'; message: string };

const key = (productId: string, variantId: string) => `${productId}\u0000${variantId}`;

/** What of each order line remains unshipped, given the lines already shipped (by product and variant). */
export function remainingLines(ordered: OrderLine[], shipped: PlannedLine[]): PlannedLine[] {
  const left = new Map<string, PlannedLine>();
  for (const line of ordered) {
    const variantId = line.variantId ?? line.productId;
    const k = key(line.productId, variantId);
    const prev = left.get(k);
    left.set(k, { productId: line.productId, variantId, quantity: (prev?.quantity ?? 0) + line.quantity });
  }
  for (const line of shipped) {
    const prev = left.get(key(line.productId, line.variantId));
    if (prev) prev.quantity -= line.quantity;
  }
  return [...left.values()].filter((l) => l.quantity > 0);
}

/**
 * The lines of a new shipment: `requested` (null = everything not yet shipped), each matched to
 * an unshipped order line — a line without variantId names the product's only variant in the
 * order — never more than remains of it; the same line twice is added up. Pure: the caller holds
 * the order's lock while it plans and writes.
 */
export function planShipment(
  remaining: PlannedLine[],
  requested: RequestedLine[] | null | undefined,
): { lines: PlannedLine[] } | { error: PlanError } {
  if (!requested) {
    if (remaining.length === 0) return { error: { kind: 'NOTHING_LEFT', message: 'Every line of this order has already shipped' } };
    return { lines: remaining.map((l) => ({ ...l })) };
  }
  if (requested.length === 0)
    return {
      error: { kind: 'INVALID', message: 'lines must name at least one line (omit it to ship everything not yet shipped)', index: null },
    };
  const planned = new Map<string, PlannedLine>();
  for (const [index, line] of requested.entries()) {
    if (!Number.isInteger(line.quantity) || line.quantity < 1)
      return { error: { kind: 'INVALID', message: 'quantity must be 1 or more', index } };
    const candidates = remaining.filter(
      (r) => r.productId === line.productId && (line.variantId == null || r.variantId === line.variantId),
    );
    if (candidates.length === 0) {
      return {
        error: {
          kind: 'INVALID',
          message: `The order has nothing left to ship of product ${line.productId}${line.variantId ? ` (variant ${line.variantId})` : ''}`,
          index,
        },
      };
    }
    if (candidates.length > 1)
      return {
        error: { kind: 'INVALID', message: `The order holds several variants of product ${line.productId}: name the variantId`, index },
      };
    const target = candidates[0];
    const k = key(target.productId, target.variantId);
    const sum = (planned.get(k)?.quantity ?? 0) + line.quantity;
    if (sum > target.quantity) {
      return {
        error: {
          kind: 'INVALID',
          message: `Only ${target.quantity} of product ${line.productId} remain to ship (asked for ${sum})`,
          index,
        },
      };
    }
    planned.set(k, { productId: target.productId, variantId: target.variantId, quantity: sum });
  }
  return { lines: [...planned.values()] };
}

export type ShipmentStatusValue = 'SHIPPED' | 'IN_TRANSIT' | 'DELIVERED' | 'RETURNED_TO_SENDER';

/** The moves a shipment may make: forward through transit to delivery, or back to the sender before delivery. */
const NEXT: Record<ShipmentStatusValue, ShipmentStatusValue[]> = {
  SHIPPED: ['IN_TRANSIT', 'DELIVERED', 'RETURNED_TO_SENDER'],
  IN_TRANSIT: ['DELIVERED', 'RETURNED_TO_SENDER'],
  DELIVERED: [],
  RETURNED_TO_SENDER: [],
};

export function canMove(from: ShipmentStatusValue, to: ShipmentStatusValue): boolean {
  return NEXT[from].includes(to);
}
