import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { createDataSource, createLogger, openDatabase } from '@shopgraph/kit';
import { loadOrdersConfig } from './config';
import { migrations } from './migrations';
import { demoUsers } from '@shopgraph/demo-data';
import { CheckoutStore } from './stores/checkout.store';

/**
 * Checkout demo data: tax rates (US-CA 7.25 % sales tax added on top; VAT of DE 19 %, FR and GB
 * 20 %, shipping taxed too) and two codes: WELCOME10 (10 % off, once per customer) and FREESHIP
 * (free shipping from a $25 subtotal). Shipping methods come from the shipping subgraph's seed
 * (through shipping.v1). Rates are upserts; a code that exists already is left as it is. Safe to run again.
 */
export async function seedCheckout(dataSource: DataSource): Promise<{ taxRates: number; promotionsCreated: number }> {
  const store = new CheckoutStore(dataSource);
  const rates = [
    { name: 'CA sales tax', country: 'US', region: 'CA', rateBasisPoints: 725, appliesToShipping: false },
    { name: 'DE VAT', country: 'DE', region: null, rateBasisPoints: 1900, appliesToShipping: true },
    { name: 'FR VAT', country: 'FR', region: null, rateBasisPoints: 2000, appliesToShipping: true },
    { name: 'GB VAT', country: 'GB', region: null, rateBasisPoints: 2000, appliesToShipping: true },
  ];
  for (const rate of rates) await store.setTaxRate(rate);
  const existing = await store.promotionsForPricing(['WELCOME10', 'FREESHIP']);
  const has = (code: string) => existing.some((p) => p.code?.toUpperCase() === code);
  const base = { categorySlugs: [], startsAt: null, endsAt: null, usageLimit: null };
  let promotionsCreated = 0;
  if (!has('WELCOME10')) {
    await store.createPromotion({ ...base, name: 'Welcome: 10 % off', code: 'WELCOME10', kind: 'PERCENTAGE', value: 1000, minSubtotal: null, perCustomerLimit: 1 });
    promotionsCreated += 1;
  }
  if (!has('FREESHIP')) {
    await store.createPromotion({ ...base, name: 'Free shipping', code: 'FREESHIP', kind: 'FREE_SHIPPING', value: 0, minSubtotal: 2500, perCustomerLimit: null });
    promotionsCreated += 1;
  }
  return { taxRates: rates.length, promotionsCreated };
}

/**
 * The demo accounts' emails in orders' replica of account emails (Order.email of their orders):
 * the users seed inserts them without a UserRegistered event. Written as of the epoch, so any
 * users.v1 event about the account wins. Safe to run again.
 */
export async function seedAccountEmails(dataSource: DataSource): Promise<number> {
  for (const user of demoUsers) {
    await dataSource.query(
      `INSERT INTO customer_emails (customer_id, email, source_occurred_at) VALUES ($1, $2, 'epoch') ON CONFLICT (customer_id) DO NOTHING`,
      [user.id, user.email],
    );
  }
  return demoUsers.length;
}

async function main(): Promise<void> {
  const config = loadOrdersConfig();
  const log = createLogger('orders-seed', config.LOG_LEVEL);
  const dataSource = await openDatabase(createDataSource({ url: config.DATABASE_URL, entities: [], migrations }), config.DATABASE_URL, log);
  try {
    const { taxRates, promotionsCreated } = await seedCheckout(dataSource);
    const accounts = await seedAccountEmails(dataSource);
    console.log(`orders seed: ${taxRates} tax rates set, ${promotionsCreated} promotions created, ${accounts} demo account emails`);
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
