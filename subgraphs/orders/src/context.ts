import DataLoader from 'dataloader';
import type { RequestContext } from '@shopgraph/kit';
import type { OrderItemEntity } from './entities/order-item.entity';
import type { OrderStatusChangeEntity } from './entities/order-status-change.entity';
import type { CartService } from './services/cart.service';
import type { CheckoutService } from './services/checkout.service';
import type { OrderService } from './services/order.service';
import type { ReturnService } from './services/return.service';
import type { OrderStore } from './stores/order.store';
import type { GuestStore } from './stores/guest.store';
import { toOrder } from './types/order.mapper';
import type { Order, OrderConnection } from './types/order.type';

/** The subgraph's services, shared by every request. */
export interface OrdersServices {
  carts: CartService;
  orders: OrderService;
  /** Checkout pricing, tax rates, promotions (issue 14). */
  checkout?: CheckoutService;
  /** Returns (issue 15). */
  returns?: ReturnService;
  /** Guest customers, order tokens and account emails (guest checkout). */
  guests?: GuestStore;
}

/** A page of one customer's orders. */
export interface CustomerPageKey {
  customerId: string;
  first: number;
  after: string | null;
}

/** Per-request batching loaders: N loads in one tick become one SQL query. */
export interface OrdersLoaders {
  order: DataLoader<string, Order | null>;
  orderItems: DataLoader<string, OrderItemEntity[]>;
  orderHistory: DataLoader<string, OrderStatusChangeEntity[]>;
  /** User.orders: one query for every customer asked for with the same page arguments. */
  customerOrders: DataLoader<CustomerPageKey, OrderConnection, string>;
}

/** What every orders resolver receives. */
export interface OrdersContext extends RequestContext {
  services: OrdersServices;
  loaders: OrdersLoaders;
}

const groupBy = <T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> => {
  const groups = new Map<K, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
};

/** Fresh loaders for one request (their cache must never outlive it). */
export function createLoaders(store: OrderStore, services: OrdersServices): OrdersLoaders {
  return {
    order: new DataLoader(async (ids) => {
      const byId = new Map((await store.findByIds(ids)).map((o) => [o.id, toOrder(o)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    orderItems: new DataLoader(async (orderIds) => {
      const byOrder = groupBy(await store.itemsOf(orderIds), (i) => i.orderId);
      return orderIds.map((id) => byOrder.get(id) ?? []);
    }),
    orderHistory: new DataLoader(async (orderIds) => {
      const byOrder = groupBy(await store.historyOf(orderIds), (h) => h.orderId);
      return orderIds.map((id) => byOrder.get(id) ?? []);
    }),
    customerOrders: new DataLoader(
      async (keys) => {
        const pages = new Map<string, OrderConnection>();
        for (const group of groupBy([...keys], (k) => `${k.first}|${k.after ?? ''}`).values()) {
          const { first, after } = group[0];
          const ids = group.map((k) => k.customerId);
          const connections = await services.orders.customerPages(ids, first, after);
          ids.forEach((id, i) => pages.set(`${first}|${after ?? ''}|${id}`, connections[i]));
        }
        return keys.map((k) => pages.get(`${k.first}|${k.after ?? ''}|${k.customerId}`)!);
      },
      { cacheKeyFn: (k) => `${k.first}|${k.after ?? ''}|${k.customerId}` },
    ),
  };
}
