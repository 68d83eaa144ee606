import { Field, Int, ObjectType } from 'type-graphql';

/** When a product has no stock record yet, its level reads as all zeros, last changed at the epoch ("never"). */
export const NEVER_STOCKED = new Date(0);

@ObjectType({ description: 'How many units of a product the warehouse has, and how many of them are held for orders.' })
export class StockLevel {
  @Field(() => Int, { description: 'Units physically in the warehouse, including reserved ones.' })
  onHand!: number;

  @Field(() => Int, { description: 'Units held for orders that are not paid yet.' })
  reserved!: number;

  @Field(() => Int, { description: 'Units that can still be ordered: onHand - reserved, never negative.' })
  available!: number;

  @Field(() => Date, { description: 'When these numbers last changed; 1970-01-01T00:00:00Z when the product has never had a stock record.' })
  updatedAt!: Date;
}

/** The numbers of one stock row, as stores return them. */
export interface StockRow {
  /** The stock item: a variant id (the product's id for a default variant); for a sum over a product, the product's id. */
  productId: string;
  /** The product the variant belongs to. */
  parentProductId?: string;
  onHand: number;
  reserved: number;
  updatedAt: Date;
}

/** The API view of a stock row (or of none: zeros). */
export function toStockLevel(row: StockRow | null): StockLevel {
  return Object.assign(new StockLevel(), {
    onHand: row?.onHand ?? 0,
    reserved: row?.reserved ?? 0,
    available: row ? Math.max(0, row.onHand - row.reserved) : 0,
    updatedAt: row?.updatedAt ?? NEVER_STOCKED,
  });
}
