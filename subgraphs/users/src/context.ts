import type { RequestContext } from '@shopgraph/kit';
import type { UsersLoaders } from './loaders';
import type { AccountService } from './services/account.service';
import type { AddressService } from './services/address.service';
import type { AuthService } from './services/auth.service';
import type { UserService } from './services/user.service';

export * from './loaders';

/** The subgraph's services, shared by every request. */
export interface UsersServices {
  auth: AuthService;
  accounts: AccountService;
  users: UserService;
  addresses: AddressService;
}

/** What every users resolver receives. */
export interface UsersContext extends RequestContext {
  services: UsersServices;
  loaders: UsersLoaders;
}
