import { MAX_LINE_QUANTITY, MAX_LINES, MAX_PRICE_AMOUNT, UserError, UserErrorCode } from '@shopgraph/kit';

// The bounds that keep every cart and order total within a 32-bit amount (kit/money-bounds.ts).
export { MAX_LINE_QUANTITY, MAX_LINES };

/** One product variant as the local replica knows it (fed by products.v1); a default variant's id is its product's. */
export interface ReplicaProduct {
  variantId: string;
  productId: string;
  /** The product's name. */
  name: string;
  sku: string;
  /** "M / Red"; the product's name for a default variant. */
  title: string;
  options: { name: string; value: string }[];
  priceAmount: number;
  currency: string;
  active: boolean;
  /** The product's category slugs (products.v1 categorySlugs; [] while unknown): category-limited promotions. */
  categorySlugs?: string[];
}

/**
 * A variant and how many of it. `productId` names the product as the client did (or, for a cart
 * line, the line's variant until the replica says whose it is); `variantId` absent means the
 * product's default variant, whose id is the product's.
 */
export interface Line {
  productId: string;
  variantId?: string;
  quantity: number;
}

/** The variant a line is for. */
export const variantOf = (line: Line): string => line.variantId ?? line.productId;

/** A line with its price and snapshots from the replica. */
export interface PricedLine extends Line {
  variantId: string;
  sku: string;
  variantTitle: string;
  variantOptions: { name: string; value: string }[];
  productName: string;
  unitPrice: number;
  lineTotal: number;
  currency: string;
  /** The product's category slugs as the replica knows them. */
  categorySlugs: string[];
}

const invalid = (message: string, field: string[]) => UserError.of(UserErrorCode.INVALID_INPUT, message, field);

/** A quantity error (or null): an integer 1..99, or 0 too where 0 means "remove". */
export function checkQuantity(quantity: number, field: string[], allowZero = false): UserError | null {
  const min = allowZero ? 0 : 1;
  if (!Number.isInteger(quantity) || quantity < min || quantity > MAX_LINE_QUANTITY) {
    return invalid(`quantity must be between ${min} and ${MAX_LINE_QUANTITY}`, field);
  }
  return null;
}

/** True when the product's price is one a cart or order total can hold (see MAX_PRICE_AMOUNT). */
export function withinPriceBound(product: ReplicaProduct): boolean {
  return Number.isInteger(product.priceAmount) && product.priceAmount >= 0 && product.priceAmount <= MAX_PRICE_AMOUNT;
}

/** The product if it can be sold now, else a PRODUCT_UNAVAILABLE error. */
export function checkAvailable(product: ReplicaProduct | undefined, productId: string, field: string[]): UserError | null {
  // A price above the bound (announced before the bound existed) could overflow a total: not for sale.
  if (!product || !product.active || !withinPriceBound(product)) {
    return UserError.of(UserErrorCode.PRODUCT_UNAVAILABLE, `Product ${productId} is not available`, field);
  }
  return null;
}

/**
 * Prices lines from the replica: unit price × quantity, one currency for all. Returns the priced
 * lines and their subtotal, or the errors (unavailable products, mixed currencies), each pointing
 * into `listField` (e.g. ["input", "items"]) at `positionOf(line, index)` (where the client sent the line).
 */
export function priceLines(
  lines: Line[],
  products: Map<string, ReplicaProduct>,
  listField: string[],
  positionOf: (line: Line, index: number) => number = (_line, index) => index,
): { ok: true; lines: PricedLine[]; subtotal: number; currency: string } | { ok: false; errors: UserError[] } {
  const errors: UserError[] = [];
  const priced: PricedLine[] = [];
  lines.forEach((line, i) => {
    const product = products.get(variantOf(line));
    const unavailable = checkAvailable(product, variantOf(line), [...listField, String(positionOf(line, i)), line.variantId && line.variantId !== line.productId ? 'variantId' : 'productId']);
    if (unavailable || !product) {
      errors.push(unavailable!);
      return;
    }
    priced.push({
      ...line,
      productId: product.productId,
      variantId: product.variantId,
      sku: product.sku,
      variantTitle: product.title,
      variantOptions: product.options,
      productName: product.name,
      unitPrice: product.priceAmount,
      lineTotal: product.priceAmount * line.quantity,
      currency: product.currency,
      categorySlugs: product.categorySlugs ?? [],
    });
  });
  if (errors.length > 0) return { ok: false, errors };
  const currencies = new Set(priced.map((l) => l.currency));
  if (currencies.size > 1) {
    return { ok: false, errors: [invalid(`An order is paid in one currency; these products are priced in ${[...currencies].sort().join(', ')}`, listField)] };
  }
  return { ok: true, lines: priced, subtotal: priced.reduce((sum, l) => sum + l.lineTotal, 0), currency: priced[0]?.currency ?? 'USD' };
}

/** A cart line as shown: current price (zero while the replica does not know the product or its price is beyond the bound), line total. */
export interface CartLineView extends Line {
  unitPrice: number;
  lineTotal: number;
  currency: string;
}

/**
 * Cart arithmetic: each line at the replica's current price, itemCount = sum of quantities,
 * subtotal in the cart's currency (the first priced line's; lines in another currency, which
 * addToCart refuses, are left out of the sum rather than added as if they were the same money).
 */
export function cartTotals(
  lines: Line[],
  products: Map<string, ReplicaProduct>,
  defaultCurrency: string,
): { lines: CartLineView[]; itemCount: number; subtotal: number; currency: string } {
  const views = lines.map((line) => {
    const product = products.get(variantOf(line));
    // Unknown, or priced beyond the bound (checkout refuses it): shown at zero so the subtotal stays representable.
    const unitPrice = product && withinPriceBound(product) ? product.priceAmount : 0;
    return { ...line, productId: product?.productId ?? line.productId, unitPrice, lineTotal: unitPrice * line.quantity, currency: product?.currency ?? defaultCurrency };
  });
  const currency = lines.map((l) => products.get(variantOf(l))?.currency).find(Boolean) ?? defaultCurrency;
  return {
    lines: views,
    itemCount: lines.reduce((sum, l) => sum + l.quantity, 0),
    subtotal: views.filter((v) => v.currency === currency).reduce((sum, v) => sum + v.lineTotal, 0),
    currency,
  };
}
