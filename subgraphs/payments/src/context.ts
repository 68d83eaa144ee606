import DataLoader from 'dataloader';
import type { RequestContext } from '@shopgraph/kit';
import type { PaymentService } from './services/payment.service';
import type { PaymentStore } from './stores/payment.store';
import { toPayment, type Payment } from './types/payment.type';

/** The subgraph's services, shared by every request. */
export interface PaymentsServices {
  payments: PaymentService;
}

/** Per-request batching loaders: N loads in one tick become one SQL query. */
export interface PaymentsLoaders {
  paymentById: DataLoader<string, Payment | null>;
  /** The payment of an order (Order.payment), by order id. */
  paymentByOrderId: DataLoader<string, Payment | null>;
}

/** What every payments resolver receives. */
export interface PaymentsContext extends RequestContext {
  services: PaymentsServices;
  loaders: PaymentsLoaders;
}

/** Fresh loaders for one request (their cache must never outlive it). */
export function createLoaders(store: PaymentStore): PaymentsLoaders {
  return {
    paymentById: new DataLoader(async (ids) => {
      const byId = new Map((await store.findByIds(ids)).map((p) => [p.id, toPayment(p)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    paymentByOrderId: new DataLoader(async (orderIds) => {
      const byOrder = new Map((await store.findByOrderIds(orderIds)).map((p) => [p.orderId, toPayment(p)]));
      return orderIds.map((id) => byOrder.get(id) ?? null);
    }),
  };
}
