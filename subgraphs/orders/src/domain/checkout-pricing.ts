/**
 * The one price computation of a checkout (issue 14, api-next/checkout.graphql): pure, no I/O, no
 * clock (the caller passes `now`). `checkoutPreview` and `placeOrder` both call `priceCheckout`
 * with the same inputs, so a preview and the order it becomes agree to the cent.
 *
 * Money is integer minor units throughout. The rules, in the order they are applied:
 *
 * 1. Lines. `lineTotal = unitPrice × quantity`; `subtotal = Σ lineTotal`. Lines are opaque to the
 *    variant question: a line is whatever the caller priced (product or variant), named by `key`.
 * 2. Promotions. The applicable set is every automatic promotion (code null) whose conditions hold
 *    (silently skipped when they do not) plus every requested code (case-insensitive; each refused
 *    code gives one PROMOTION_INVALID error saying why, and is left out). Conditions: active,
 *    `startsAt ≤ now < endsAt`, global uses left (`usageCount < usageLimit`), the customer's uses
 *    left (`customerUses < perCustomerLimit`), `subtotal ≥ minSubtotal` (the cart subtotal before
 *    discounts), and at least one eligible line (a line is eligible when the promotion has no
 *    categories or the line's categories meet them). Promotions apply in a fixed order —
 *    PERCENTAGE, then FIXED_AMOUNT, then FREE_SHIPPING; ties by id — each on what the previous ones
 *    left of its eligible lines (`remaining_i = lineTotal_i − discounts so far`), so discounts never
 *    exceed the lines.
 *    - PERCENTAGE (value = basis points): each eligible line's share is
 *      `halfEven(remaining_i × value / 10000)`, rounded per line; the discount is the sum of the shares.
 *    - FIXED_AMOUNT (value = minor units): the discount is `min(value, Σ eligible remaining)`, split
 *      over the eligible lines in proportion to `remaining_i` by largest remainder (each line gets
 *      the floor of its exact share, the leftover cents go one each to the lines with the largest
 *      fractional parts, ties by line key), so the shares sum to the discount exactly.
 *    - FREE_SHIPPING: the discount is the chosen shipping quote's price (0 without shipping); no
 *      line shares.
 *    A line's `discount` is the sum of its shares; Σ line discounts = Σ non-shipping discounts exactly.
 * 3. Shipping. Options: active methods in the cart's currency whose countries include the
 *    address's country; a method's price is 0 when `freeOver` is set and the discounted subtotal
 *    (`subtotal − line discounts`) reaches it; sorted cheapest first (then name, then id). The chosen
 *    one is `shippingMethodId` if it is among the options (else SHIPPING_UNAVAILABLE on that field),
 *    the cheapest otherwise; no options for an address gives SHIPPING_UNAVAILABLE. No address: no
 *    shipping and no error (a preview before the address is known). A shop with no shipping
 *    method at all (none replicated) charges no shipping and refuses nothing.
 * 4. Tax. One rate applies: the rate for the address's (country, region) when there is one, else
 *    the country's rate (region null) — region beats country; none: no tax. The taxable amount of
 *    a line is `lineTotal − discount`; of shipping (when the rate `appliesToShipping`) the shipping
 *    price minus the free-shipping discount. Rounded per line, half-even:
 *    - prices exclude tax (default): `tax_i = halfEven(taxable_i × bp / 10000)`, added to the total;
 *    - prices include tax: `tax_i = taxable_i − halfEven(taxable_i × 10000 / (10000 + bp))`, the
 *      tax contained in the price, reported but not added.
 *    One TaxLine per rate: `taxable = Σ taxable`, `amount = Σ tax_i` (so it equals the per-line sum exactly).
 * 5. Total: `subtotal − discountTotal + shipping.price + taxTotal` (the taxTotal term only when
 *    prices exclude tax). Never negative.
 *
 * Half-even ("banker's") rounding: a value exactly halfway between two integers rounds to the even
 * one (2.5 → 2, 3.5 → 4); every other value to the nearest. Computed on integers (no floats).
 */

export type PromotionKind = 'PERCENTAGE' | 'FIXED_AMOUNT' | 'FREE_SHIPPING';

export interface PricingLine {
  /** Unique within the cart: the variant id (the product id for a default variant). */
  key: string;
  productId: string;
  variantId?: string;
  quantity: number;
  unitPrice: number;
  /** Slugs of the product's categories (for category-limited promotions); [] when unknown. */
  categorySlugs: string[];
}

export interface PricingAddress {
  country: string;
  region?: string | null;
}

/** Orders' replica of a shipping method (fed by shipping.v1). */
export interface ShippingMethodRule {
  id: string;
  name: string;
  carrier?: string | null;
  countries: string[];
  price: number;
  currency: string;
  freeOver?: number | null;
  minDeliveryDays?: number | null;
  maxDeliveryDays?: number | null;
  active: boolean;
}

export interface PromotionRule {
  id: string;
  name: string;
  /** null: automatic. */
  code: string | null;
  kind: PromotionKind;
  value: number;
  minSubtotal?: number | null;
  categorySlugs: string[];
  startsAt?: Date | null;
  endsAt?: Date | null;
  usageLimit?: number | null;
  perCustomerLimit?: number | null;
  usageCount: number;
  active: boolean;
}

export interface TaxRateRule {
  id: string;
  name: string;
  country: string;
  region?: string | null;
  rateBasisPoints: number;
  appliesToShipping: boolean;
}

export interface PricingInput {
  lines: PricingLine[];
  currency: string;
  address?: PricingAddress | null;
  shippingMethods: ShippingMethodRule[];
  shippingMethodId?: string | null;
  /** The codes the customer asked for (as typed). */
  promotionCodes: string[];
  /** Every promotion that may apply: the automatic ones and those whose codes were asked for. */
  promotions: PromotionRule[];
  /** How many confirmed orders of this customer used each promotion (by promotion id). */
  customerUses?: ReadonlyMap<string, number>;
  taxRates: TaxRateRule[];
  pricesIncludeTax: boolean;
  now: Date;
}

export type PricingErrorCode = 'PROMOTION_INVALID' | 'SHIPPING_UNAVAILABLE' | 'INVALID_INPUT';
export interface PricingError {
  code: PricingErrorCode;
  message: string;
  field: string[];
}

export interface PricedCheckoutLine extends PricingLine {
  lineTotal: number;
  /** This line's share of the discounts. */
  discount: number;
  taxable: number;
  tax: number;
}

export interface AppliedDiscount {
  promotionId: string;
  /** The code as the promotion spells it; null for an automatic promotion. */
  code: string | null;
  kind: PromotionKind;
  description: string;
  amount: number;
  /** Per line key (PERCENTAGE and FIXED_AMOUNT); empty for FREE_SHIPPING. */
  lineShares: Record<string, number>;
}

export interface ShippingQuoteResult {
  methodId: string;
  name: string;
  carrier: string | null;
  price: number;
  estimatedDelivery: string | null;
}

export interface TaxLineResult {
  taxRateId: string;
  name: string;
  rateBasisPoints: number;
  taxable: number;
  amount: number;
}

export interface CheckoutPricing {
  currency: string;
  lines: PricedCheckoutLine[];
  subtotal: number;
  discounts: AppliedDiscount[];
  discountTotal: number;
  shippingOptions: ShippingQuoteResult[];
  shipping: ShippingQuoteResult | null;
  shippingTax: number;
  taxLines: TaxLineResult[];
  taxTotal: number;
  total: number;
  pricesIncludeTax: boolean;
  errors: PricingError[];
}

/** `numerator / denominator` rounded half-even; both non-negative integers, denominator > 0. */
export function divideHalfEven(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || numerator < 0 || denominator <= 0) {
    throw new RangeError(`divideHalfEven needs a non-negative integer over a positive integer, got ${numerator}/${denominator}`);
  }
  const quotient = Math.floor(numerator / denominator);
  const twiceRemainder = 2 * (numerator - quotient * denominator);
  if (twiceRemainder > denominator) return quotient + 1;
  if (twiceRemainder === denominator && quotient % 2 === 1) return quotient + 1;
  return quotient;
}

/**
 * `amount` split over `weights` in proportion, by largest remainder: shares sum to `amount`
 * exactly and none exceeds its weight when `amount ≤ Σ weights`. Ties go to the lower `order` rank.
 */
export function allocateProportionally(amount: number, weights: number[], order: number[] = weights.map((_, i) => i)): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  if (amount <= 0 || total <= 0) return weights.map(() => 0);
  // amount × weight can pass 2^53 (a 2·10^9 discount on a 10^8 line): exact in BigInt.
  const big = weights.map((w) => BigInt(amount) * BigInt(w));
  const shares = big.map((x) => Number(x / BigInt(total)));
  const remainders = big.map((x) => x % BigInt(total));
  let left = amount - shares.reduce((s, x) => s + x, 0);
  const ranked = weights.map((_, i) => i).sort((a, b) => (remainders[b] > remainders[a] ? 1 : remainders[b] < remainders[a] ? -1 : order[a] - order[b]));
  for (const i of ranked) {
    if (left === 0) break;
    shares[i] += 1;
    left -= 1;
  }
  return shares;
}

const normalizeCode = (code: string) => code.trim().toUpperCase();
const KIND_ORDER: Record<PromotionKind, number> = { PERCENTAGE: 0, FIXED_AMOUNT: 1, FREE_SHIPPING: 2 };

function describe(p: PromotionRule, currency: string): string {
  switch (p.kind) {
    case 'PERCENTAGE':
      return `${p.name}: ${p.value / 100}% off`;
    case 'FIXED_AMOUNT':
      return `${p.name}: ${(p.value / 100).toFixed(2)} ${currency} off`;
    case 'FREE_SHIPPING':
      return `${p.name}: free shipping`;
  }
}

function estimate(m: ShippingMethodRule): string | null {
  const { minDeliveryDays: min, maxDeliveryDays: max } = m;
  if (min != null && max != null) return min === max ? `${min} business day${min === 1 ? '' : 's'}` : `${min}–${max} business days`;
  if (max != null) return `up to ${max} business days`;
  if (min != null) return `at least ${min} business days`;
  return null;
}

const eligible = (p: PromotionRule, line: PricingLine) =>
  p.categorySlugs.length === 0 || line.categorySlugs.some((slug) => p.categorySlugs.includes(slug));

/** Why the promotion cannot apply now, or null when it can. */
export function promotionRefusal(p: PromotionRule, input: Pick<PricingInput, 'lines' | 'now' | 'customerUses' | 'currency'>, subtotal: number): string | null {
  if (!p.active) return 'is no longer available';
  if (p.startsAt && input.now.getTime() < p.startsAt.getTime()) return `is not valid before ${p.startsAt.toISOString()}`;
  if (p.endsAt && input.now.getTime() >= p.endsAt.getTime()) return `expired at ${p.endsAt.toISOString()}`;
  if (p.usageLimit != null && p.usageCount >= p.usageLimit) return 'has been used up';
  if (p.perCustomerLimit != null && (input.customerUses?.get(p.id) ?? 0) >= p.perCustomerLimit) {
    return `can be used ${p.perCustomerLimit} time${p.perCustomerLimit === 1 ? '' : 's'} per customer`;
  }
  if (p.minSubtotal != null && subtotal < p.minSubtotal) {
    return `needs a subtotal of at least ${(p.minSubtotal / 100).toFixed(2)} ${input.currency}`;
  }
  if (p.kind !== 'FREE_SHIPPING' && !input.lines.some((l) => eligible(p, l))) {
    return `applies only to ${p.categorySlugs.join(', ')}`;
  }
  return null;
}

/** The rate for the address: its (country, region) rate beats its country's (region null). */
export function taxRateFor(rates: TaxRateRule[], address: PricingAddress | null | undefined): TaxRateRule | null {
  if (!address) return null;
  const country = address.country.trim().toUpperCase();
  const region = address.region?.trim().toUpperCase() || null;
  const inCountry = rates.filter((r) => r.country.trim().toUpperCase() === country);
  return (
    (region ? inCountry.find((r) => r.region != null && r.region.trim().toUpperCase() === region) : undefined) ??
    inCountry.find((r) => r.region == null || r.region.trim() === '') ??
    null
  );
}

function taxOf(taxable: number, rateBasisPoints: number, pricesIncludeTax: boolean): number {
  if (taxable <= 0 || rateBasisPoints <= 0) return 0;
  return pricesIncludeTax ? taxable - divideHalfEven(taxable * 10000, 10000 + rateBasisPoints) : divideHalfEven(taxable * rateBasisPoints, 10000);
}

export function priceCheckout(input: PricingInput): CheckoutPricing {
  const errors: PricingError[] = [];
  const lines = input.lines.map((l) => ({ ...l, lineTotal: l.unitPrice * l.quantity }));
  const subtotal = lines.reduce((s, l) => s + l.lineTotal, 0);
  // Tie-break rank for allocations: by line key, so the result does not depend on the lines' order.
  const keyRank = new Map([...lines.map((l) => l.key)].sort().map((k, i) => [k, i]));

  // ── which promotions apply ──
  const applicable: { promotion: PromotionRule; code: string | null }[] = [];
  const seen = new Set<string>();
  for (const p of input.promotions) {
    if (p.code != null || seen.has(p.id)) continue;
    if (promotionRefusal(p, input, subtotal) === null) {
      applicable.push({ promotion: p, code: null });
      seen.add(p.id);
    }
  }
  const byCode = new Map(input.promotions.filter((p) => p.code != null).map((p) => [normalizeCode(p.code!), p]));
  const asked = new Set<string>();
  input.promotionCodes.forEach((typed, index) => {
    const code = normalizeCode(typed);
    if (asked.has(code)) return; // the same code twice counts once
    asked.add(code);
    const field = ['promotionCodes', String(index)];
    const p = byCode.get(code);
    if (!p) {
      errors.push({ code: 'PROMOTION_INVALID', message: `Code ${typed.trim()} is not a valid promotion code`, field });
      return;
    }
    const refusal = promotionRefusal(p, input, subtotal);
    if (refusal) {
      errors.push({ code: 'PROMOTION_INVALID', message: `Code ${p.code} ${refusal}`, field });
      return;
    }
    if (!seen.has(p.id)) {
      applicable.push({ promotion: p, code: p.code });
      seen.add(p.id);
    }
  });
  applicable.sort((a, b) => KIND_ORDER[a.promotion.kind] - KIND_ORDER[b.promotion.kind] || (a.promotion.id < b.promotion.id ? -1 : a.promotion.id > b.promotion.id ? 1 : 0));

  // ── line discounts ──
  const remaining = lines.map((l) => l.lineTotal);
  const discounts: AppliedDiscount[] = [];
  for (const { promotion: p, code } of applicable) {
    if (p.kind === 'FREE_SHIPPING') continue;
    const idx = lines.map((l, i) => (eligible(p, l) ? i : -1)).filter((i) => i >= 0);
    let shares: number[];
    if (p.kind === 'PERCENTAGE') {
      const bp = Math.min(Math.max(p.value, 0), 10000);
      shares = idx.map((i) => divideHalfEven(remaining[i] * bp, 10000));
    } else {
      const pool = idx.reduce((s, i) => s + remaining[i], 0);
      shares = allocateProportionally(Math.min(Math.max(p.value, 0), pool), idx.map((i) => remaining[i]), idx.map((i) => keyRank.get(lines[i].key)!));
    }
    const lineShares: Record<string, number> = {};
    idx.forEach((i, j) => {
      remaining[i] -= shares[j];
      lineShares[lines[i].key] = shares[j];
    });
    discounts.push({ promotionId: p.id, code, kind: p.kind, description: describe(p, input.currency), amount: shares.reduce((s, x) => s + x, 0), lineShares });
  }
  const lineDiscount = lines.map((l, i) => l.lineTotal - remaining[i]);
  const discountedSubtotal = remaining.reduce((s, x) => s + x, 0);

  // ── shipping ──
  let shippingOptions: ShippingQuoteResult[] = [];
  let shipping: ShippingQuoteResult | null = null;
  // A shop without any shipping method charges no shipping (and refuses no address for it).
  if (input.address && input.shippingMethods.length > 0) {
    const country = input.address.country.trim().toUpperCase();
    shippingOptions = input.shippingMethods
      .filter((m) => m.active && m.currency === input.currency && m.countries.some((c) => c.trim().toUpperCase() === country))
      .map((m) => ({
        methodId: m.id,
        name: m.name,
        carrier: m.carrier ?? null,
        price: m.freeOver != null && discountedSubtotal >= m.freeOver ? 0 : m.price,
        estimatedDelivery: estimate(m),
      }))
      .sort((a, b) => a.price - b.price || a.name.localeCompare(b.name) || (a.methodId < b.methodId ? -1 : 1));
    if (shippingOptions.length === 0) {
      errors.push({ code: 'SHIPPING_UNAVAILABLE', message: `No shipping method ships to ${country}`, field: ['shippingAddress', 'country'] });
    } else if (input.shippingMethodId) {
      shipping = shippingOptions.find((o) => o.methodId === input.shippingMethodId) ?? null;
      if (!shipping) {
        errors.push({ code: 'SHIPPING_UNAVAILABLE', message: `That shipping method does not ship to ${country}`, field: ['shippingMethodId'] });
      }
    } else {
      shipping = shippingOptions[0];
    }
  }
  let shippingDiscount = 0;
  for (const { promotion: p, code } of applicable) {
    if (p.kind !== 'FREE_SHIPPING') continue;
    const amount = shipping ? shipping.price - shippingDiscount : 0;
    shippingDiscount += amount;
    discounts.push({ promotionId: p.id, code, kind: p.kind, description: describe(p, input.currency), amount, lineShares: {} });
  }
  const shippingPrice = shipping?.price ?? 0;

  // ── tax ──
  const rate = taxRateFor(input.taxRates, input.address);
  const bp = rate?.rateBasisPoints ?? 0;
  const priced: PricedCheckoutLine[] = lines.map((l, i) => {
    const taxable = rate ? remaining[i] : 0;
    return { ...l, discount: lineDiscount[i], taxable, tax: taxOf(taxable, bp, input.pricesIncludeTax) };
  });
  const shippingTaxable = rate?.appliesToShipping ? shippingPrice - shippingDiscount : 0;
  const shippingTax = taxOf(shippingTaxable, bp, input.pricesIncludeTax);
  const taxLines: TaxLineResult[] = rate
    ? [
        {
          taxRateId: rate.id,
          name: rate.name,
          rateBasisPoints: rate.rateBasisPoints,
          taxable: priced.reduce((s, l) => s + l.taxable, 0) + shippingTaxable,
          amount: priced.reduce((s, l) => s + l.tax, 0) + shippingTax,
        },
      ]
    : [];
  const taxTotal = taxLines.reduce((s, t) => s + t.amount, 0);

  const discountTotal = discounts.reduce((s, d) => s + d.amount, 0);
  const total = Math.max(0, subtotal - discountTotal + shippingPrice + (input.pricesIncludeTax ? 0 : taxTotal));
  return {
    currency: input.currency,
    lines: priced,
    subtotal,
    discounts,
    discountTotal,
    shippingOptions,
    shipping,
    shippingTax,
    taxLines,
    taxTotal,
    total,
    pricesIncludeTax: input.pricesIncludeTax,
    errors,
  };
}
