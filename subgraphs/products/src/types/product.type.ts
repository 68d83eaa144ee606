import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { money, Money, productConnectionTypes } from '@shopgraph/kit';
import { defaultVariantOf } from '../domain/variants';
import type { ProductRecord } from '../entities/product.document';

@ObjectType({ description: 'Something the shop sells. Owned by the products subgraph; inventory and reviews add fields to it.' })
@Directive('@key(fields: "id")')
export class Product {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;

  @Field(() => String, { description: 'Stock-keeping unit, uppercase and unique, e.g. "AUD-001".' })
  sku!: string;

  @Field(() => String, { description: 'Unique URL name, derived from the name at creation and never changed afterwards.' })
  slug!: string;

  @Field(() => String, { description: 'Display name.' })
  name!: string;

  @Field(() => String, { description: 'Long description (plain text, may be empty).' })
  description!: string;

  @Field(() => String, { nullable: true, description: 'Brand or maker, if any.' })
  brand!: string | null;

  @Field(() => [String], { description: 'Lowercase labels used for filtering and search.' })
  tags!: string[];

  @Field(() => [String], { description: 'Image URLs (http or https), the first one is the main image.' })
  images!: string[];

  @Field(() => Money, { description: 'Current unit price of the default variant (see priceRange for all variants).' })
  price!: Money;

  @Field(() => Boolean, { description: 'False once archived: archived products stay readable by id and slug but are hidden from lists and cannot be ordered.' })
  active!: boolean;

  @Field(() => Date, { description: 'When the product was created.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When the product last changed.' })
  updatedAt!: Date;

  /** Resolved by ProductResolver.category through the per-request category loader. */
  categoryId!: string;

  /** The stored product: options and variants resolve from it. */
  record!: ProductRecord;
}

/** The API view of a stored product. */
export function toProduct(record: ProductRecord): Product {
  return Object.assign(new Product(), {
    id: record._id,
    sku: record.sku,
    slug: record.slug,
    name: record.name,
    description: record.description,
    brand: record.brand,
    tags: record.tags,
    images: record.images,
    price: money(defaultVariantOf(record).price, record.currency),
    active: record.active,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    categoryId: record.categoryId,
    record,
  });
}

const productPage = productConnectionTypes(Product);
/** A product in a page, with its cursor (the kit's shareable type around this subgraph's Product). */
export const ProductEdge = productPage.ProductEdge;
export type ProductEdge = InstanceType<typeof ProductEdge>;
/** A page of products (the kit's shareable type around this subgraph's Product). */
export const ProductConnection = productPage.ProductConnection;
export type ProductConnection = InstanceType<typeof ProductConnection>;
