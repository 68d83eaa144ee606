import { Directive, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { money, Money, UserError } from '@shopgraph/kit';
import { variantTitle, type ProductOptionDoc, type VariantDoc } from '../domain/variants';
import type { ProductRecord } from '../entities/product.document';

@ObjectType({ description: 'One way a product varies, e.g. Size with the values S, M and L.' })
export class ProductOption {
  @Field(() => String, { description: 'The option\'s name, e.g. "Size".' })
  name!: string;

  @Field(() => [String], { description: 'Its values in display order, e.g. ["S", "M", "L"].' })
  values!: string[];
}

@ObjectType({ description: 'The value a variant has for one option of its product.' })
export class SelectedOption {
  @Field(() => String, { description: 'The option\'s name, e.g. "Size".' })
  name!: string;

  @Field(() => String, { description: 'The chosen value, e.g. "M".' })
  value!: string;
}

@ObjectType({ description: "The lowest and the highest price of a product's active variants." })
export class PriceRange {
  @Field(() => Money, { description: 'The lowest price of an active variant.' })
  min!: Money;

  @Field(() => Money, { description: 'The highest price of an active variant.' })
  max!: Money;
}

@ObjectType({
  description:
    "One sellable version of a product (a size and colour of a T-shirt), with its own sku, price and stock. A product without options has one variant, its default variant, whose id, sku and price are the product's. Owned by the products subgraph; inventory adds its stock.",
})
@Directive('@key(fields: "id")')
export class ProductVariant {
  @Field(() => ID, { description: 'Stable unique id: the product\'s id for a default variant, else "<productId>:<suffix>".' })
  id!: string;

  @Field(() => String, { description: 'Stock-keeping unit, uppercase and unique across all products and variants.' })
  sku!: string;

  @Field(() => String, { description: 'The option values joined with " / " ("M / Red"); the product\'s name for a default variant.' })
  title!: string;

  @Field(() => [SelectedOption], {
    description: "One value per option of the product, in the product's option order; empty for a default variant.",
  })
  options!: SelectedOption[];

  @Field(() => Money, { description: 'Current unit price of this variant.' })
  price!: Money;

  @Field(() => Boolean, {
    description: 'False once archived: an archived variant cannot be ordered; its product keeps at least one active variant.',
  })
  active!: boolean;

  /** Resolved by VariantResolver.product: from `productRecord`, else through the per-request product loader. */
  productId!: string;

  /**
   * The product document this variant was read from in this request, so that ProductVariant.product
   * (a listing's variants, a batch of variant references) needs no second read of it.
   */
  productRecord?: ProductRecord;
}

/** The API view of one stored variant of a product. */
export function toVariant(product: ProductRecord, v: VariantDoc): ProductVariant {
  return Object.assign(new ProductVariant(), {
    id: v.id,
    sku: v.sku,
    title: variantTitle(product.name, v),
    options: v.options.map((o) => Object.assign(new SelectedOption(), { name: o.name, value: o.value })),
    price: money(v.price, product.currency),
    active: v.active,
    productId: product._id,
    productRecord: product,
  });
}

export function toProductOption(o: ProductOptionDoc): ProductOption {
  return Object.assign(new ProductOption(), { name: o.name, values: [...o.values] });
}

@InputType({ description: "One option value: an option's name and the value chosen for it." })
export class SelectedOptionInput {
  @Field(() => String, { description: "The option's name (case is ignored)." })
  name!: string;

  @Field(() => String, { description: "One of the option's values (case is ignored)." })
  value!: string;
}

@InputType({ description: 'An option of a new product and its values.' })
export class ProductOptionInput {
  @Field(() => String, { description: "The option's name, 1 to 40 characters, unique within the product (at most 3 options)." })
  name!: string;

  @Field(() => [String], { description: 'Its values in display order: 1 to 30, each 1 to 40 characters, unique.' })
  values!: string[];
}

@InputType({ description: 'A variant of a product with options.' })
export class VariantInput {
  @Field(() => String, {
    description:
      'Stock-keeping unit: letters, digits, ".", "_" or "-", at most 64; stored uppercase, unique across all products and variants.',
  })
  sku!: string;

  @Field(() => [SelectedOptionInput], {
    description: 'Exactly one value for each option of the product; no two active variants share a combination.',
  })
  options!: SelectedOptionInput[];

  @Field(() => Int, { nullable: true, description: "Unit price in minor units; default: the product's price." })
  price?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Units in stock to start with (0 when absent); inventory opens the variant's stock record with it.",
  })
  initialStock?: number | null;
}

@InputType({ description: 'Changes to a variant; fields left out (or null) stay as they are.' })
export class UpdateVariantInput {
  @Field(() => String, { nullable: true, description: 'New sku (unique across all products and variants).' })
  sku?: string | null;

  @Field(() => Int, { nullable: true, description: 'New unit price in minor units, greater than 0.' })
  price?: number | null;
}

@ObjectType({ description: 'Result of a change to a variant: the variant as it is now, or errors.' })
export class ProductVariantPayload {
  @Field(() => ProductVariant, { nullable: true, description: 'The variant after the change; null when it failed.' })
  variant!: ProductVariant | null;

  @Field(() => [UserError], { description: 'Why it failed (empty on success).' })
  errors!: UserError[];

  static of(variant: ProductVariant | null, errors: UserError[] = []): ProductVariantPayload {
    return Object.assign(new ProductVariantPayload(), { variant, errors });
  }
}
