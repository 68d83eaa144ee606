import { CreateOutboxAndInbox1767225500000 } from '@shopgraph/events';
import { OrdersSchema1767225800000 } from './1767225800000-orders-schema';
import { OrdersStepCommand1767300000000 } from './1767300000000-orders-step-command';
import { OrderVariants1767400000000 } from './1767400000000-order-variants';
import { Checkout1767500000000 } from './1767500000000-checkout';
import { Returns1767650000000 } from './1767650000000-returns';
import { GuestCheckout1767700000000 } from './1767700000000-guest-checkout';
import { CategoriesGuestLinks1767800000000 } from './1767800000000-categories-guest-links';

/** Every migration of the orders database, oldest first (the shared outbox/inbox first). */
export const migrations = [CreateOutboxAndInbox1767225500000, OrdersSchema1767225800000, OrdersStepCommand1767300000000, OrderVariants1767400000000, Checkout1767500000000, Returns1767650000000, GuestCheckout1767700000000, CategoriesGuestLinks1767800000000];
