import { randomUUID } from 'node:crypto';
import { forbidden, requireViewer, UserError, UserErrorCode } from '@shopgraph/kit';
import type { UsersRequest } from '../loaders';
import type { AddressStore } from '../stores/address.store';
import type { AddressInput } from '../types/address.input';
import { toAddress, type Address } from '../types/address.type';
import { AddressPayload } from '../types/payloads.type';
import type { User } from '../types/user.type';
import { normalizeAddress, validateAddress } from '../domain/input.validator';
import { maySeePrivate } from './user.service';

/** The signed-in user's address book. */
export class AddressService {
  constructor(private readonly addresses: AddressStore) {}

  /** A user's addresses, for themself or an ADMIN only. */
  async ofUser(ctx: UsersRequest, user: User): Promise<Address[]> {
    if (!maySeePrivate(ctx.viewer, user)) throw forbidden("Only the user themself or an ADMIN may see a user's addresses");
    return ctx.loaders.addressesOfUser.load(user.id);
  }

  /** Adds an address to the signed-in user's book. */
  async add(ctx: UsersRequest, input: AddressInput): Promise<AddressPayload> {
    const viewer = requireViewer(ctx);
    const { isDefault, ...fields } = normalizeAddress(input);
    const errors = validateAddress(fields);
    if (errors.length) return AddressPayload.of(null, errors);
    const address = await this.addresses.add(
      {
        id: randomUUID(),
        userId: viewer.id,
        label: fields.label ?? null,
        recipient: fields.recipient,
        line1: fields.line1,
        line2: fields.line2 ?? null,
        city: fields.city,
        region: fields.region ?? null,
        postalCode: fields.postalCode,
        country: fields.country,
        createdAt: new Date(),
      },
      isDefault === true,
    );
    ctx.loaders.addressesOfUser.clear(viewer.id);
    return AddressPayload.of(toAddress(address));
  }

  /** Removes one of the signed-in user's addresses; anybody else's is NOT_FOUND. */
  async remove(ctx: UsersRequest, id: string): Promise<AddressPayload> {
    const viewer = requireViewer(ctx);
    const removed = await this.addresses.remove(viewer.id, id);
    if (!removed) return AddressPayload.of(null, [UserError.of(UserErrorCode.NOT_FOUND, 'No such address in your address book', ['id'])]);
    ctx.loaders.addressesOfUser.clear(viewer.id);
    return AddressPayload.of(toAddress(removed));
  }
}
