import { Field, InputType, Int } from 'type-graphql';
import { ProductOptionInput, VariantInput } from './variant.type';

@InputType({ description: 'A new product.' })
export class CreateProductInput {
  @Field(() => String, { description: 'Stock-keeping unit: letters, digits, ".", "_" or "-", at most 64; stored uppercase, must be unique.' })
  sku!: string;

  @Field(() => String, { description: 'Display name, 1 to 200 characters; the slug is derived from it (with a numeric suffix if taken).' })
  name!: string;

  @Field(() => String, { description: 'Long description, at most 5000 characters.' })
  description!: string;

  @Field(() => String, { nullable: true, description: 'Brand or maker, at most 100 characters.' })
  brand?: string | null;

  @Field(() => String, { description: 'Slug of an existing category.' })
  categorySlug!: string;

  @Field(() => [String], { nullable: true, description: 'At most 20 tags of at most 40 characters; stored lowercase.' })
  tags?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'At most 10 http(s) image URLs.' })
  images?: string[] | null;

  @Field(() => Int, { description: 'Unit price in minor units, greater than 0.' })
  price!: number;

  @Field(() => String, { nullable: true, description: 'ISO-4217 currency code; default "USD".' })
  currency?: string | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Units in stock to start with (0 when absent); inventory creates the stock record from the ProductCreated event. For a product without options.',
  })
  initialStock?: number | null;

  @Field(() => [ProductOptionInput], {
    nullable: true,
    description: 'When given, `variants` must cover combinations of these values (at least one variant).',
  })
  options?: ProductOptionInput[] | null;

  @Field(() => [VariantInput], {
    nullable: true,
    description: 'The variants of a product with options, each with one value per option; requires `options`.',
  })
  variants?: VariantInput[] | null;
}

@InputType({ description: 'Changes to a product; fields left out (or null) stay as they are.' })
export class UpdateProductInput {
  @Field(() => String, { nullable: true, description: 'New display name, 1 to 200 characters (the slug does not change).' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New description, at most 5000 characters.' })
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'New brand; an empty string removes it.' })
  brand?: string | null;

  @Field(() => String, { nullable: true, description: 'Slug of the category to move the product to.' })
  categorySlug?: string | null;

  @Field(() => [String], { nullable: true, description: 'Replaces all tags (at most 20 of at most 40 characters).' })
  tags?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Replaces all image URLs (at most 10, http or https).' })
  images?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'New unit price in minor units (same currency), greater than 0.' })
  price?: number | null;
}
