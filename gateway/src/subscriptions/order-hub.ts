import type { StatusChange } from './order-query';

/** One OrderStatusChanged event as the hub fans it out. */
export interface OrderEvent {
  orderId: string;
  customerId: string;
  change: StatusChange & { occurredAt: string };
}

export type OrderEventListener = (event: OrderEvent) => void;

/**
 * In-process fan-out of order events to this instance's subscriptions, indexed by order id
 * (orderStatusChanged) and by customer id (myOrderUpdates), so an event costs only its matches.
 */
export class OrderEventHub {
  private readonly byOrder = new Map<string, Set<OrderEventListener>>();
  private readonly byCustomer = new Map<string, Set<OrderEventListener>>();

  watchOrder(orderId: string, listener: OrderEventListener): () => void {
    return add(this.byOrder, orderId, listener);
  }

  watchCustomer(customerId: string, listener: OrderEventListener): () => void {
    return add(this.byCustomer, customerId, listener);
  }

  /** Hands the event to every matching listener; returns how many there were. */
  publish(event: OrderEvent): number {
    const listeners = [...(this.byOrder.get(event.orderId) ?? []), ...(this.byCustomer.get(event.customerId) ?? [])];
    for (const listener of listeners) listener(event);
    return listeners.length;
  }

  get size(): number {
    let n = 0;
    for (const set of this.byOrder.values()) n += set.size;
    for (const set of this.byCustomer.values()) n += set.size;
    return n;
  }
}

function add(index: Map<string, Set<OrderEventListener>>, key: string, listener: OrderEventListener): () => void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(listener);
  return () => {
    const current = index.get(key);
    if (!current) return;
    current.delete(listener);
    if (current.size === 0) index.delete(key);
  };
}
