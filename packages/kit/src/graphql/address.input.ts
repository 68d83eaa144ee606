import { Field, InputType } from 'type-graphql';

/**
 * The contract's `AddressInput`, declared once for every subgraph that takes an address (users'
 * address book, orders' shipping address): federation composes input types field by field.
 */
@InputType({ description: 'A new address for the signed-in user.' })
export class AddressInput {
  @Field(() => String, { nullable: true, description: 'Optional name for the address, e.g. "Home" (at most 50 characters).' })
  label?: string | null;

  @Field(() => String, { description: 'Who receives deliveries here (1 to 100 characters).' })
  recipient!: string;

  @Field(() => String, { description: 'Street address, first line (1 to 200 characters).' })
  line1!: string;

  @Field(() => String, { nullable: true, description: 'Street address, second line (at most 200 characters).' })
  line2?: string | null;

  @Field(() => String, { description: 'City or locality (1 to 100 characters).' })
  city!: string;

  @Field(() => String, { nullable: true, description: 'State, province or region (at most 100 characters).' })
  region?: string | null;

  @Field(() => String, { description: 'Postal or ZIP code (1 to 20 characters).' })
  postalCode!: string;

  @Field(() => String, { description: 'ISO-3166-1 alpha-2 country code, e.g. "US" (case-insensitive).' })
  country!: string;

  @Field(() => Boolean, { nullable: true, description: "Make it the default address. A user's first address is always the default." })
  isDefault?: boolean | null;
}
