import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { UsersContext } from '../context';
import { AddressInput } from '../types/address.input';
import { AddressPayload } from '../types/payloads.type';

/** The signed-in user's address book. */
@Resolver()
export class AddressResolver {
  @Mutation(() => AddressPayload, { description: "Adds an address to the signed-in user's address book." })
  addAddress(@Arg('input', () => AddressInput, { description: 'The address.' }) input: AddressInput, @Ctx() ctx: UsersContext): Promise<AddressPayload> {
    return ctx.services.addresses.add(ctx, input);
  }

  @Mutation(() => AddressPayload, { description: "Removes an address from the signed-in user's address book." })
  removeAddress(@Arg('id', () => ID, { description: 'The address id.' }) id: string, @Ctx() ctx: UsersContext): Promise<AddressPayload> {
    return ctx.services.addresses.remove(ctx, id);
  }
}
