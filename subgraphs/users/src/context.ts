import DataLoader from 'dataloader';
import type { RequestContext } from '@shopgraph/kit';
import type { AccountService } from './services/account.service';
import type { AddressService } from './services/address.service';
import type { AuthService } from './services/auth.service';
import type { UserService } from './services/user.service';
import type { AddressStore } from './stores/address.store';
import type { UserStore } from './stores/user.store';
import { toAddress, type Address } from './types/address.type';
import { toUser, type User } from './types/user.type';

/** The subgraph's services, shared by every request. */
export interface UsersServices {
  auth: AuthService;
  accounts: AccountService;
  users: UserService;
  addresses: AddressService;
}

/** Per-request batching loaders: N loads in one tick become one SQL query. */
export interface UsersLoaders {
  user: DataLoader<string, User | null>;
  addressesOfUser: DataLoader<string, Address[]>;
}

/** What every users resolver receives. */
export interface UsersContext extends RequestContext {
  services: UsersServices;
  loaders: UsersLoaders;
}

/** Fresh loaders for one request (their cache must never outlive it). */
export function createLoaders(users: UserStore, addresses: AddressStore): UsersLoaders {
  return {
    user: new DataLoader(async (ids) => {
      const byId = new Map((await users.findByIds(ids)).map((u) => [u.id, toUser(u)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    addressesOfUser: new DataLoader(async (userIds) => {
      const rows = await addresses.findByUserIds(userIds);
      return userIds.map((id) => rows.filter((a) => a.userId === id).map(toAddress));
    }),
  };
}
