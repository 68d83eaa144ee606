import { CreateOutboxAndInbox1767225500000 } from '@shopgraph/events';
import { InventorySchema1767225700000 } from './1767225700000-inventory-schema';
import { ReturnedReservations1767225800000 } from './1767225800000-returned-reservations';
import { StockPerVariant1767400000000 } from './1767400000000-stock-per-variant';
import { ReturnRestocks1767650000000 } from './1767650000000-return-restocks';

/** Every migration of the inventory database, oldest first (the shared outbox/inbox first). */
export const migrations = [CreateOutboxAndInbox1767225500000, InventorySchema1767225700000, ReturnedReservations1767225800000, StockPerVariant1767400000000, ReturnRestocks1767650000000];
