import { MAX_PRICE_AMOUNT, UserError, UserErrorCode } from '@shopgraph/kit';
import {
  normalizeNewVariants,
  normalizeOptions,
  validateOptions,
  type NormalizedVariant,
  type ProductOptionDoc,
  type VariantFields,
} from './variants';
import { MAX_SLUG_LENGTH, SLUG_PATTERN } from './slug';

export const LIMITS = {
  name: 200,
  description: 5000,
  brand: 100,
  tags: 20,
  tag: 40,
  images: 10,
  imageUrl: 2048,
  sku: 64,
  categoryName: 100,
} as const;

const SKU_PATTERN = /^[A-Z0-9][A-Z0-9._-]*$/;
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

const invalid = (message: string, field: string[]) => UserError.of(UserErrorCode.INVALID_INPUT, message, field);

/** The fields of a new product as the client sends them. */
export interface CreateProductFields {
  sku: string;
  name: string;
  description: string;
  brand?: string | null;
  categorySlug: string;
  tags?: string[] | null;
  images?: string[] | null;
  price: number;
  currency?: string | null;
  initialStock?: number | null;
  options?: ProductOptionDoc[] | null;
  variants?: VariantFields[] | null;
}

/** A new product after normalization: trimmed, sku and currency uppercase, tags lowercase and unique, defaults applied. */
export interface NormalizedCreateProduct {
  sku: string;
  name: string;
  description: string;
  brand: string | null;
  categorySlug: string;
  tags: string[];
  images: string[];
  price: number;
  currency: string;
  initialStock: number;
  /** Empty for a product without options (it gets its default variant). */
  options: ProductOptionDoc[];
  /** The described variants (empty without options); checked by validateCreateProduct. */
  variants: NormalizedVariant[];
  /** Problems found while normalizing the variants against the options (validateCreateProduct reports them). */
  variantErrors: UserError[];
}

/** The changes of an update as the client sends them; null or absent leaves a field as it is. */
export interface UpdateProductFields {
  name?: string | null;
  description?: string | null;
  brand?: string | null;
  categorySlug?: string | null;
  tags?: string[] | null;
  images?: string[] | null;
  price?: number | null;
}

/** Tags are labels: trimmed, lowercase, first occurrence kept. */
export function normalizeTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()))];
}

/** A blank brand means "no brand". */
const normalizeBrand = (brand: string | null | undefined): string | null => (brand?.trim() ? brand.trim() : null);

/** Trims and canonicalizes a create input; validation runs on the result. */
export function normalizeCreateProduct(input: CreateProductFields): NormalizedCreateProduct {
  const sku = input.sku.trim().toUpperCase();
  const options = normalizeOptions(input.options ?? []);
  const variantErrors: UserError[] = [];
  let variants: NormalizedVariant[] = [];
  if (input.options == null) {
    if (input.variants != null)
      variantErrors.push(invalid('variants need options: pass the options they choose from', ['input', 'variants']));
  } else {
    variantErrors.push(...validateOptions(options));
    if (variantErrors.length === 0) {
      const planned = normalizeNewVariants(input.variants ?? [], options, sku, input.price);
      variants = planned.variants;
      variantErrors.push(...planned.errors);
    }
  }
  return {
    sku,
    name: input.name.trim(),
    description: input.description.trim(),
    brand: normalizeBrand(input.brand),
    categorySlug: input.categorySlug.trim().toLowerCase(),
    tags: normalizeTags(input.tags ?? []),
    images: (input.images ?? []).map((i) => i.trim()),
    price: input.price,
    currency: (input.currency ?? 'USD').trim().toUpperCase(),
    initialStock: input.initialStock ?? 0,
    options,
    variants,
    variantErrors,
  };
}

/** Trims and canonicalizes an update input; fields left null/absent stay undefined (unchanged). A blank brand clears it. */
export function normalizeUpdateProduct(input: UpdateProductFields): UpdateProductFields {
  const out: UpdateProductFields = {};
  if (input.name != null) out.name = input.name.trim();
  if (input.description != null) out.description = input.description.trim();
  if (input.brand != null) out.brand = normalizeBrand(input.brand);
  if (input.categorySlug != null) out.categorySlug = input.categorySlug.trim().toLowerCase();
  if (input.tags != null) out.tags = normalizeTags(input.tags);
  if (input.images != null) out.images = input.images.map((i) => i.trim());
  if (input.price != null) out.price = input.price;
  return out;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

function validateName(name: string): UserError[] {
  return name.length < 1 || name.length > LIMITS.name ? [invalid(`name must be 1 to ${LIMITS.name} characters`, ['input', 'name'])] : [];
}

function validateDescription(description: string): UserError[] {
  return description.length > LIMITS.description ? [invalid(`description must be at most ${LIMITS.description} characters`, ['input', 'description'])] : [];
}

function validateBrand(brand: string | null): UserError[] {
  return brand !== null && brand.length > LIMITS.brand ? [invalid(`brand must be at most ${LIMITS.brand} characters`, ['input', 'brand'])] : [];
}

function validateTags(tags: string[]): UserError[] {
  if (tags.length > LIMITS.tags) return [invalid(`at most ${LIMITS.tags} tags`, ['input', 'tags'])];
  const i = tags.findIndex((t) => t.length < 1 || t.length > LIMITS.tag);
  return i === -1 ? [] : [invalid(`each tag must be 1 to ${LIMITS.tag} characters`, ['input', 'tags', String(i)])];
}

function validateImages(images: string[]): UserError[] {
  if (images.length > LIMITS.images) return [invalid(`at most ${LIMITS.images} images`, ['input', 'images'])];
  const i = images.findIndex((url) => url.length > LIMITS.imageUrl || !isHttpUrl(url));
  return i === -1 ? [] : [invalid('each image must be an http(s) URL', ['input', 'images', String(i)])];
}

// Bounded so that no cart or order total can overflow a 32-bit amount (kit/money-bounds.ts).
function validatePrice(price: number): UserError[] {
  if (!Number.isInteger(price) || price <= 0) return [invalid('price must be a positive integer amount in minor units', ['input', 'price'])];
  return price > MAX_PRICE_AMOUNT ? [invalid(`price must be at most ${MAX_PRICE_AMOUNT} minor units`, ['input', 'price'])] : [];
}

/** Every problem with a (normalized) new product except uniqueness and the category's existence, which need the store. */
export function validateCreateProduct(input: NormalizedCreateProduct): UserError[] {
  const errors: UserError[] = [];
  if (input.sku.length < 1 || input.sku.length > LIMITS.sku || !SKU_PATTERN.test(input.sku)) {
    errors.push(invalid(`sku must be 1 to ${LIMITS.sku} letters, digits, ".", "_" or "-", starting with a letter or digit`, ['input', 'sku']));
  }
  errors.push(...validateName(input.name), ...validateDescription(input.description), ...validateBrand(input.brand));
  if (input.categorySlug.length === 0) errors.push(invalid('categorySlug is required', ['input', 'categorySlug']));
  errors.push(...validateTags(input.tags), ...validateImages(input.images), ...validatePrice(input.price));
  if (!/^[A-Z]{3}$/.test(input.currency) || !CURRENCIES.has(input.currency)) {
    errors.push(invalid('currency must be an ISO-4217 code, e.g. "USD"', ['input', 'currency']));
  }
  if (!Number.isInteger(input.initialStock) || input.initialStock < 0) {
    errors.push(invalid('initialStock must be an integer of at least 0', ['input', 'initialStock']));
  }
  errors.push(...input.variantErrors);
  return errors;
}

/** Every problem with the (normalized) changes of an update, field by field. */
export function validateUpdateProduct(input: UpdateProductFields): UserError[] {
  return [
    ...(input.name !== undefined ? validateName(input.name!) : []),
    ...(input.description !== undefined ? validateDescription(input.description!) : []),
    ...(input.brand !== undefined ? validateBrand(input.brand) : []),
    ...(input.categorySlug !== undefined && input.categorySlug!.length === 0 ? [invalid('categorySlug must not be blank', ['input', 'categorySlug'])] : []),
    ...(input.tags !== undefined ? validateTags(input.tags!) : []),
    ...(input.images !== undefined ? validateImages(input.images!) : []),
    ...(input.price !== undefined ? validatePrice(input.price!) : []),
  ];
}

/** Problems with a new category's (trimmed) name and explicit slug, if one was given. */
export function validateCategory(name: string, slug: string | null): UserError[] {
  const errors: UserError[] = [];
  if (name.length < 1 || name.length > LIMITS.categoryName) {
    errors.push(invalid(`name must be 1 to ${LIMITS.categoryName} characters`, ['name']));
  }
  if (slug !== null && (slug.length > MAX_SLUG_LENGTH || !SLUG_PATTERN.test(slug))) {
    errors.push(invalid(`slug must be lowercase letters and digits separated by single dashes, at most ${MAX_SLUG_LENGTH} characters`, ['slug']));
  }
  return errors;
}
