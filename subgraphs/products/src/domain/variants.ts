import { randomBytes } from 'node:crypto';
import { MAX_PRICE_AMOUNT, UserError, UserErrorCode } from '@shopgraph/kit';

/** One option of a product as stored, e.g. { name: "Size", values: ["S", "M", "L"] }. */
export interface ProductOptionDoc {
  name: string;
  values: string[];
}

/** One chosen option value of a variant. */
export interface SelectedOptionDoc {
  name: string;
  value: string;
}

/** One variant as stored inside its product document. */
export interface VariantDoc {
  /** The product's id for a default variant, else `<productId>:<suffix>` (see variantIdFor). */
  id: string;
  /** Uppercase, unique across every product and variant (the sku registry enforces it). */
  sku: string;
  /** One per product option, in the product's option order; empty for a default variant. */
  options: SelectedOptionDoc[];
  /** Minor units, in the product's currency. */
  price: number;
  active: boolean;
}

/** What the variant helpers read of a product (old documents may lack options and variants). */
export interface VariantSource {
  _id: string;
  sku: string;
  name: string;
  price: number;
  active: boolean;
  options?: ProductOptionDoc[];
  variants?: VariantDoc[];
}

export const VARIANT_LIMITS = { options: 3, values: 30, optionText: 40, variants: 100 } as const;
export const SKU_MAX_LENGTH = 64;
const SKU_PATTERN = /^[A-Z0-9][A-Z0-9._-]*$/;

const invalid = (message: string, field: string[]) => UserError.of(UserErrorCode.INVALID_INPUT, message, field);

/** The default variant of a product stored before variants existed: id, sku and price are the product's. */
export function defaultVariantDoc(product: Pick<VariantSource, '_id' | 'sku' | 'price'>): VariantDoc {
  return { id: product._id, sku: product.sku, options: [], price: product.price, active: true };
}

/** A product's options ([] for old documents). */
export const optionsOf = (product: VariantSource): ProductOptionDoc[] => product.options ?? [];

/** A product's variants; a document stored before variants existed has its default variant only. */
export function variantsOf(product: VariantSource): VariantDoc[] {
  return product.variants && product.variants.length > 0 ? product.variants : [defaultVariantDoc(product)];
}

/** The product's default variant: its first active variant (the first one when none is active). */
export function defaultVariantOf(product: VariantSource): VariantDoc {
  const variants = variantsOf(product);
  return variants.find((v) => v.active) ?? variants[0];
}

/** "M / Red"; the product's name for a variant without options. */
export function variantTitle(productName: string, variant: Pick<VariantDoc, 'options'>): string {
  return variant.options.length === 0 ? productName : variant.options.map((o) => o.value).join(' / ');
}

/** Prices of the active variants: what price filters and priceRange look at. */
export function activeVariantPrices(variants: readonly VariantDoc[]): number[] {
  return variants.filter((v) => v.active).map((v) => v.price);
}

/** The product id a variant id belongs to: the part before the first ":" (a default variant's id is the product's id). */
export function productIdOfVariant(variantId: string): string {
  const i = variantId.indexOf(':');
  return i === -1 ? variantId : variantId.slice(0, i);
}

/** A new variant id under `productId`: `<productId>:<suffix>`, the suffix readable when given (seeding) and random otherwise. */
export function variantIdFor(productId: string, suffix: string = randomBytes(4).toString('hex')): string {
  return `${productId}:${suffix}`;
}

/** A key for one combination of option values, independent of the order the client sent them in. */
export function combinationKey(options: readonly SelectedOptionDoc[]): string {
  return JSON.stringify([...options].map((o) => [o.name.toLowerCase(), o.value.toLowerCase()]).sort());
}

/** The active variant with exactly these options (names and values matched ignoring case), if any. */
export function findVariantByOptions(product: VariantSource, options: readonly SelectedOptionDoc[]): VariantDoc | null {
  const key = combinationKey(options.map((o) => ({ name: o.name.trim(), value: o.value.trim() })));
  return variantsOf(product).find((v) => v.active && combinationKey(v.options) === key) ?? null;
}

/** Trims option names and values (first occurrence of a value kept). */
export function normalizeOptions(options: readonly ProductOptionDoc[]): ProductOptionDoc[] {
  return options.map((o) => ({ name: o.name.trim(), values: o.values.map((v) => v.trim()) }));
}

/** Every problem with a product's option list: 1..3 options, unique names, 1..30 unique values each, 1..40 characters. */
export function validateOptions(options: readonly ProductOptionDoc[], field: string[] = ['input', 'options']): UserError[] {
  const errors: UserError[] = [];
  if (options.length === 0 || options.length > VARIANT_LIMITS.options)
    return [invalid(`a product has 1 to ${VARIANT_LIMITS.options} options when it has any`, field)];
  const names = new Set<string>();
  options.forEach((option, i) => {
    const at = [...field, String(i)];
    if (option.name.length < 1 || option.name.length > VARIANT_LIMITS.optionText)
      errors.push(invalid(`an option name is 1 to ${VARIANT_LIMITS.optionText} characters`, [...at, 'name']));
    if (names.has(option.name.toLowerCase())) errors.push(invalid(`option ${option.name} is listed twice`, [...at, 'name']));
    names.add(option.name.toLowerCase());
    if (option.values.length === 0 || option.values.length > VARIANT_LIMITS.values)
      errors.push(invalid(`an option has 1 to ${VARIANT_LIMITS.values} values`, [...at, 'values']));
    const values = new Set<string>();
    option.values.forEach((value, j) => {
      if (value.length < 1 || value.length > VARIANT_LIMITS.optionText)
        errors.push(invalid(`an option value is 1 to ${VARIANT_LIMITS.optionText} characters`, [...at, 'values', String(j)]));
      if (values.has(value.toLowerCase()))
        errors.push(invalid(`value ${value} of option ${option.name} is listed twice`, [...at, 'values', String(j)]));
      values.add(value.toLowerCase());
    });
  });
  return errors;
}

/** A variant as a client describes it (createProduct's variants, addProductVariant). */
export interface VariantFields {
  sku: string;
  options: SelectedOptionDoc[];
  price?: number | null;
  initialStock?: number | null;
}

/** A described variant, trimmed and canonical: sku uppercase, options in the product's option order and spelling. */
export interface NormalizedVariant {
  sku: string;
  options: SelectedOptionDoc[];
  price: number;
  initialStock: number;
}

export function validateSku(sku: string, field: string[]): UserError[] {
  return sku.length < 1 || sku.length > SKU_MAX_LENGTH || !SKU_PATTERN.test(sku)
    ? [invalid(`sku must be 1 to ${SKU_MAX_LENGTH} letters, digits, ".", "_" or "-", starting with a letter or digit`, field)]
    : [];
}

// Bounded so that no cart or order total can overflow a 32-bit amount (kit/money-bounds.ts).
export function validateVariantPrice(price: number, field: string[]): UserError[] {
  if (!Number.isInteger(price) || price <= 0) return [invalid('price must be a positive integer amount in minor units', field)];
  return price > MAX_PRICE_AMOUNT ? [invalid(`price must be at most ${MAX_PRICE_AMOUNT} minor units`, field)] : [];
}

/**
 * Checks one described variant against the product's options and normalizes it: exactly one
 * value per option, each a value of that option (matched ignoring case, stored in the option's
 * spelling), a valid sku, price (default `defaultPrice`) and initial stock.
 */
export function normalizeVariant(
  input: VariantFields,
  options: readonly ProductOptionDoc[],
  defaultPrice: number,
  field: string[],
): { variant: NormalizedVariant; errors: UserError[] } {
  const errors: UserError[] = [];
  const sku = input.sku.trim().toUpperCase();
  errors.push(...validateSku(sku, [...field, 'sku']));
  const given = new Map<string, string>();
  input.options.forEach((o, i) => {
    const name = o.name.trim().toLowerCase();
    if (given.has(name)) errors.push(invalid(`option ${o.name.trim()} is chosen twice`, [...field, 'options', String(i)]));
    given.set(name, o.value.trim());
  });
  const selected: SelectedOptionDoc[] = [];
  for (const option of options) {
    const value = given.get(option.name.toLowerCase());
    if (value === undefined) {
      errors.push(invalid(`choose a value of option ${option.name}`, [...field, 'options']));
      continue;
    }
    const known = option.values.find((v) => v.toLowerCase() === value.toLowerCase());
    if (!known)
      errors.push(invalid(`${value} is not a value of option ${option.name} (${option.values.join(', ')})`, [...field, 'options']));
    else selected.push({ name: option.name, value: known });
    given.delete(option.name.toLowerCase());
  }
  for (const name of given.keys()) errors.push(invalid(`the product has no option ${name}`, [...field, 'options']));
  const price = input.price ?? defaultPrice;
  errors.push(...validateVariantPrice(price, [...field, 'price']));
  const initialStock = input.initialStock ?? 0;
  if (!Number.isInteger(initialStock) || initialStock < 0)
    errors.push(invalid('initialStock must be an integer of at least 0', [...field, 'initialStock']));
  return { variant: { sku, options: selected, price, initialStock }, errors };
}

/**
 * The variants of a new product with options: at least one, at most 100, each valid against the
 * options, no two with the same combination or the same sku (nor the product's own sku).
 */
export function normalizeNewVariants(
  inputs: readonly VariantFields[],
  options: readonly ProductOptionDoc[],
  productSku: string,
  defaultPrice: number,
): { variants: NormalizedVariant[]; errors: UserError[] } {
  if (inputs.length === 0)
    return { variants: [], errors: [invalid('a product with options needs at least one variant', ['input', 'variants'])] };
  if (inputs.length > VARIANT_LIMITS.variants)
    return { variants: [], errors: [invalid(`a product has at most ${VARIANT_LIMITS.variants} variants`, ['input', 'variants'])] };
  const errors: UserError[] = [];
  const variants: NormalizedVariant[] = [];
  const combinations = new Set<string>();
  const skus = new Set<string>([productSku]);
  inputs.forEach((input, i) => {
    const field = ['input', 'variants', String(i)];
    const { variant, errors: own } = normalizeVariant(input, options, defaultPrice, field);
    errors.push(...own);
    if (own.length > 0) return;
    const key = combinationKey(variant.options);
    if (combinations.has(key))
      errors.push(
        invalid(`another variant already has the options ${variant.options.map((o) => `${o.name} ${o.value}`).join(', ')}`, [
          ...field,
          'options',
        ]),
      );
    if (skus.has(variant.sku)) errors.push(invalid(`sku ${variant.sku} is used twice in this product`, [...field, 'sku']));
    combinations.add(key);
    skus.add(variant.sku);
    variants.push(variant);
  });
  return { variants, errors };
}

/** Whether `candidate` repeats the option combination of an active variant of `existing`. */
export function duplicatesActiveCombination(existing: readonly VariantDoc[], candidate: readonly SelectedOptionDoc[]): boolean {
  const key = combinationKey(candidate);
  return existing.some((v) => v.active && combinationKey(v.options) === key);
}
