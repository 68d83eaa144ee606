import { Field, ID, ObjectType } from 'type-graphql';
import type { AddressEntity } from '../entities/address.entity';

@ObjectType({ description: "A postal address in a user's address book." })
export class Address {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Optional name for the address, e.g. "Home".' })
  label!: string | null;

  @Field(() => String, { description: 'Who receives deliveries here.' })
  recipient!: string;

  @Field(() => String, { description: 'Street address, first line.' })
  line1!: string;

  @Field(() => String, { nullable: true, description: 'Street address, second line (apartment, floor…).' })
  line2!: string | null;

  @Field(() => String, { description: 'City or locality.' })
  city!: string;

  @Field(() => String, { nullable: true, description: 'State, province or region, where the country uses one.' })
  region!: string | null;

  @Field(() => String, { description: 'Postal or ZIP code.' })
  postalCode!: string;

  @Field(() => String, { description: 'ISO-3166-1 alpha-2 country code, e.g. "US".' })
  country!: string;

  @Field(() => Boolean, { description: "True for the user's default address (at most one)." })
  isDefault!: boolean;
}

/** The API view of a stored address. */
export function toAddress(entity: AddressEntity): Address {
  const { userId: _owner, createdAt: _created, ...fields } = entity;
  return Object.assign(new Address(), fields);
}
