import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { demoUsers } from '@shopgraph/demo-data';
import type { DataSource } from 'typeorm';
import { createDataSource, createLogger, openDatabase } from '@shopgraph/kit';
import { loadUsersConfig } from './config';
import { entities } from './entities';
import { migrations } from './migrations';
import { hashPassword } from './services/password.hasher';
import { AddressStore } from './stores/address.store';
import { DuplicateEmailError, UserStore } from './stores/user.store';

// Demo accounts come from @shopgraph/demo-data so their ids match the reviews and orders seeds.
const CITIES = [
  { city: 'Seattle', postalCode: '98101', region: 'WA' },
  { city: 'Portland', postalCode: '97201', region: 'OR' },
  { city: 'Austin', postalCode: '73301', region: 'TX' },
  { city: 'Boston', postalCode: '02108', region: 'MA' },
  { city: 'Denver', postalCode: '80202', region: 'CO' },
  { city: 'Chicago', postalCode: '60601', region: 'IL' },
];
const SEED_USERS = demoUsers.map((user, i) => ({ ...user, ...CITIES[i % CITIES.length] }));

/** Emails of the seed accounts that were created now and of those that already existed. */
export interface SeedResult {
  created: string[];
  existing: string[];
}

/** Creates the demo accounts (one ADMIN, five customers, an address each, fixed ids) unless they exist; safe to run again. */
export async function seedUsers(dataSource: DataSource): Promise<SeedResult> {
  const users = new UserStore(dataSource);
  const addresses = new AddressStore(dataSource);
  const result: SeedResult = { created: [], existing: [] };
  for (const seed of SEED_USERS) {
    if (await users.findByEmail(seed.email)) {
      result.existing.push(seed.email);
      continue;
    }
    const now = new Date();
    const id = seed.id;
    try {
      await users.insert({ id, email: seed.email, name: seed.name, role: seed.role, passwordHash: await hashPassword(seed.password), createdAt: now, updatedAt: now });
    } catch (error) {
      if (!(error instanceof DuplicateEmailError)) throw error;
      result.existing.push(seed.email);
      continue;
    }
    await addresses.add(
      { id: randomUUID(), userId: id, label: 'Home', recipient: seed.name, line1: '1 Market Street', line2: null, city: seed.city, region: seed.region, postalCode: seed.postalCode, country: 'US', createdAt: now },
      true,
    );
    result.created.push(seed.email);
  }
  return result;
}

async function main(): Promise<void> {
  const config = loadUsersConfig();
  const log = createLogger('users-seed', config.LOG_LEVEL);
  const dataSource = await openDatabase(createDataSource({ url: config.DATABASE_URL, entities, migrations }), config.DATABASE_URL, log);
  try {
    const { created, existing } = await seedUsers(dataSource);
    console.log(`users seed: created ${created.length} (${created.join(', ') || 'none'}), already present ${existing.length}`);
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
