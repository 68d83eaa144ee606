import { Field, InputType, Int } from 'type-graphql';

@InputType({ description: 'Narrows a product list; every given condition must hold.' })
export class ProductFilter {
  @Field(() => String, {
    nullable: true,
    description:
      'Words to look for in name, description, brand and tags, ignoring case and accents. Every word must match the start of a word of the product ("head" finds "headphones"). At most 10 words.',
  })
  search?: string | null;

  @Field(() => String, { nullable: true, description: 'Only products of the category with this slug.' })
  categorySlug?: string | null;

  @Field(() => String, { nullable: true, description: 'Only products of this brand (exact name, ignoring case).' })
  brand?: string | null;

  @Field(() => [String], { nullable: true, description: 'Only products carrying all of these tags (ignoring case).' })
  tags?: string[] | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Lowest price, inclusive, in minor units: products with an active variant priced within minPrice..maxPrice match.',
  })
  minPrice?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Highest price, inclusive, in minor units: products with an active variant priced within minPrice..maxPrice match.',
  })
  maxPrice?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Also list archived (inactive) products. ADMIN only; others get FORBIDDEN.' })
  includeInactive?: boolean | null;
}
