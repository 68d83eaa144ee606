import type { DataSource } from 'typeorm';
import type { Logger } from '@shopgraph/kit';
import { createEvent, enqueueEvents } from '@shopgraph/events';
import type { CartCreatedListener } from '../services/cart.service';

/**
 * Announces CartCreated (orders.v1, key = the customer) through orders' PostgreSQL outbox. Carts
 * live in Redis, so the outbox row cannot share a transaction with the cart write: it is written
 * right after the Redis script reported that this write created the cart (exactly one write can:
 * the check and the write are one atomic script). Hence: never announced twice (one row per
 * creation; a republished row keeps its event id, which consumers dedupe), but lost if orders
 * dies between the two writes or PostgreSQL refuses the row (logged; the cart itself is fine and
 * the call still succeeds). The funnel's cart count can therefore only be low, never high.
 */
export class CartEvents implements CartCreatedListener {
  constructor(
    private readonly dataSource: DataSource,
    private readonly log: Logger,
  ) {}

  async cartCreated(customerId: string, productId: string): Promise<void> {
    try {
      const event = createEvent('CartCreated', customerId, { customerId, productId, at: new Date().toISOString() }, { source: 'orders' });
      await this.dataSource.transaction((manager) => enqueueEvents(manager, [event]));
    } catch (error) {
      this.log.warn({ err: error, customerId }, 'CartCreated could not be written to the outbox; the funnel will miss this cart');
    }
  }
}
