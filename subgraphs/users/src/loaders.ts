import DataLoader from 'dataloader';
import type { RequestContext } from '@shopgraph/kit';
import type { AddressStore } from './stores/address.store';
import type { UserStore } from './stores/user.store';
import { toAddress, type Address } from './types/address.type';
import { toUser, type User } from './types/user.type';

/** Per-request batching loaders: N loads in one tick become one SQL query. */
export interface UsersLoaders {
  user: DataLoader<string, User | null>;
  addressesOfUser: DataLoader<string, Address[]>;
}

/** What a service needs of one request: the kit's request context and this request's loaders. */
export type UsersRequest = RequestContext & { loaders: UsersLoaders };

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
