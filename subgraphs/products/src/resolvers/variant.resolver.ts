import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { money } from '@shopgraph/kit';
import type { ProductsContext } from '../context';
import { activeVariantPrices, defaultVariantOf, findVariantByOptions, optionsOf, variantsOf } from '../domain/variants';
import { Product, toProduct } from '../types/product.type';
import {
  PriceRange,
  ProductOption,
  ProductVariant,
  ProductVariantPayload,
  SelectedOptionInput,
  toProductOption,
  toVariant,
  UpdateVariantInput,
  VariantInput,
} from '../types/variant.type';

/** Product's options and variants, read from the product document already loaded (no extra query). */
@Resolver(() => Product)
export class ProductVariantsResolver {
  @FieldResolver(() => [ProductOption], {
    description: 'The ways this product varies, in display order; empty for a product without options.',
  })
  options(@Root() product: Product): ProductOption[] {
    return optionsOf(product.record).map(toProductOption);
  }

  @FieldResolver(() => [ProductVariant], {
    description: "The product's variants in the order they were added; a product without options has exactly one, its default variant.",
  })
  variants(
    @Root() product: Product,
    @Arg('includeInactive', () => Boolean, { nullable: true, defaultValue: false, description: 'Also list archived variants.' })
    includeInactive: boolean | null,
  ): ProductVariant[] {
    return variantsOf(product.record)
      .filter((v) => includeInactive || v.active)
      .map((v) => toVariant(product.record, v));
  }

  @FieldResolver(() => ProductVariant, {
    description: 'The variant the product-based cart mutations and Product.price refer to: its first active variant.',
  })
  defaultVariant(@Root() product: Product): ProductVariant {
    return toVariant(product.record, defaultVariantOf(product.record));
  }

  @FieldResolver(() => PriceRange, {
    description: "Lowest and highest price over the active variants (Product.price stays the default variant's).",
  })
  priceRange(@Root() product: Product): PriceRange {
    const prices = activeVariantPrices(variantsOf(product.record));
    const all = prices.length > 0 ? prices : [defaultVariantOf(product.record).price];
    return Object.assign(new PriceRange(), {
      min: money(Math.min(...all), product.record.currency),
      max: money(Math.max(...all), product.record.currency),
    });
  }

  @FieldResolver(() => ProductVariant, {
    nullable: true,
    description: 'The active variant with exactly these options (names and values ignore case); null when there is none.',
  })
  variant(
    @Root() product: Product,
    @Arg('options', () => [SelectedOptionInput], { description: 'One value per option of the product.' }) options: SelectedOptionInput[],
  ): ProductVariant | null {
    const found = findVariantByOptions(product.record, options);
    return found && toVariant(product.record, found);
  }
}

/** ProductVariant.product and the ADMIN mutations on variants. */
@Resolver(() => ProductVariant)
export class VariantResolver {
  @FieldResolver(() => Product, { description: 'The product this is a variant of.' })
  async product(@Root() variant: ProductVariant, @Ctx() ctx: ProductsContext): Promise<Product> {
    // Every variant is read as part of its product's document: that one, not a second read.
    const record = variant.productRecord ?? (await ctx.loaders.productById.load(variant.productId));
    if (!record) throw new Error(`variant ${variant.id} refers to missing product ${variant.productId}`);
    return toProduct(record);
  }

  @Mutation(() => ProductVariantPayload, {
    description: 'Adds a variant to a product with options and announces it (ProductUpdated with every variant). ADMIN only.',
  })
  addProductVariant(
    @Arg('productId', () => ID, { description: 'The product, which must have options.' }) productId: string,
    @Arg('input', () => VariantInput, { description: 'The new variant.' }) input: VariantInput,
    @Ctx() ctx: ProductsContext,
  ): Promise<ProductVariantPayload> {
    return ctx.services.variants.add(ctx, productId, input);
  }

  @Mutation(() => ProductVariantPayload, {
    description:
      "Changes a variant's sku or price (a default variant's are its product's too) and announces it (ProductUpdated). ADMIN only.",
  })
  updateProductVariant(
    @Arg('id', () => ID, { description: 'The variant to change.' }) id: string,
    @Arg('input', () => UpdateVariantInput, { description: 'The changes.' }) input: UpdateVariantInput,
    @Ctx() ctx: ProductsContext,
  ): Promise<ProductVariantPayload> {
    return ctx.services.variants.update(ctx, id, input);
  }

  @Mutation(() => ProductVariantPayload, {
    description:
      'Archives a variant: it can no longer be ordered. A product keeps at least one active variant (INVALID_INPUT otherwise). ADMIN only.',
  })
  archiveProductVariant(
    @Arg('id', () => ID, { description: 'The variant to archive.' }) id: string,
    @Ctx() ctx: ProductsContext,
  ): Promise<ProductVariantPayload> {
    return ctx.services.variants.archive(ctx, id);
  }
}

/** Resolves a ProductVariant reference: its id names its product, which the product loader reads by `_id` (cache first). */
export async function resolveVariantReference(
  id: string,
  ctx: ProductsContext,
  productIdOf: (variantId: string) => string,
): Promise<ProductVariant | null> {
  const record = await ctx.loaders.productById.load(productIdOf(id));
  const variant = record && variantsOf(record).find((v) => v.id === id);
  return variant ? toVariant(record, variant) : null;
}
