import { UserError, UserErrorCode } from '@shopgraph/kit';

/** What an admin sends to create or update a shipping method (ShippingMethodInput). */
export interface MethodInput {
  name: string;
  carrier?: string | null;
  description?: string | null;
  countries: string[];
  price: number;
  currency?: string | null;
  freeOver?: number | null;
  minDeliveryDays?: number | null;
  maxDeliveryDays?: number | null;
}

/** A validated, normalised method (trimmed text, upper-case unique countries, currency set). */
export interface MethodFields {
  name: string;
  carrier: string | null;
  description: string | null;
  countries: string[];
  price: number;
  currency: string;
  freeOver: number | null;
  minDeliveryDays: number | null;
  maxDeliveryDays: number | null;
}

/** Largest price or free-over threshold, in minor units ($1,000,000.00). */
export const MAX_AMOUNT = 100_000_000;
export const MAX_DELIVERY_DAYS = 365;
const COUNTRY = /^[A-Z]{2}$/;
const CURRENCY = /^[A-Z]{3}$/;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const invalid = (message: string, ...field: string[]) => UserError.of(UserErrorCode.INVALID_INPUT, message, ['input', ...field]);

function text(value: string | null | undefined, field: string, max: number, errors: UserError[], required = false): string | null {
  const trimmed = (value ?? '').trim();
  if (!trimmed) {
    if (required) errors.push(invalid(`${field} must not be empty`, field));
    return null;
  }
  if (trimmed.length > max) errors.push(invalid(`${field} must be at most ${max} characters`, field));
  else if (CONTROL.test(trimmed)) errors.push(invalid(`${field} must not contain control characters`, field));
  return trimmed;
}

function days(value: number | null | undefined, field: string, errors: UserError[]): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 0 || value > MAX_DELIVERY_DAYS)
    errors.push(invalid(`${field} must be between 0 and ${MAX_DELIVERY_DAYS} days`, field));
  return value;
}

/**
 * Checks and normalises a ShippingMethodInput: name 1–100 characters, carrier ≤ 100, description
 * ≤ 500; at least one country, each an ISO-3166-1 alpha-2 code (case-insensitive, duplicates
 * dropped, order kept); price 0 … MAX_AMOUNT minor units; freeOver, if given, 1 … MAX_AMOUNT;
 * currency three letters (default `defaultCurrency`); delivery days 0 … 365 with min ≤ max.
 * Returns the fields or every error found (codes INVALID_INPUT, `field` = ["input", name]).
 */
export function validateMethodInput(input: MethodInput, defaultCurrency: string): { fields: MethodFields } | { errors: UserError[] } {
  const errors: UserError[] = [];
  const name = text(input.name, 'name', 100, errors, true);
  const carrier = text(input.carrier, 'carrier', 100, errors);
  const description = text(input.description, 'description', 500, errors);
  const countries: string[] = [];
  if (!input.countries?.length) errors.push(invalid('countries must name at least one country', 'countries'));
  for (const raw of input.countries ?? []) {
    const code = String(raw).trim().toUpperCase();
    if (!COUNTRY.test(code)) errors.push(invalid(`"${String(raw).slice(0, 10)}" is not an ISO-3166-1 alpha-2 country code`, 'countries'));
    else if (!countries.includes(code)) countries.push(code);
  }
  if (countries.length > 250) errors.push(invalid('countries may name at most 250 countries', 'countries'));
  if (!Number.isInteger(input.price) || input.price < 0 || input.price > MAX_AMOUNT)
    errors.push(invalid(`price must be between 0 and ${MAX_AMOUNT} minor units`, 'price'));
  const freeOver = input.freeOver ?? null;
  if (freeOver !== null && (!Number.isInteger(freeOver) || freeOver < 1 || freeOver > MAX_AMOUNT)) {
    errors.push(invalid(`freeOver must be between 1 and ${MAX_AMOUNT} minor units (omit it for a method that is never free)`, 'freeOver'));
  }
  const currency = (input.currency ?? defaultCurrency).trim().toUpperCase();
  if (!CURRENCY.test(currency)) errors.push(invalid('currency must be an ISO-4217 code of three letters', 'currency'));
  const minDeliveryDays = days(input.minDeliveryDays, 'minDeliveryDays', errors);
  const maxDeliveryDays = days(input.maxDeliveryDays, 'maxDeliveryDays', errors);
  if (minDeliveryDays !== null && maxDeliveryDays !== null && minDeliveryDays > maxDeliveryDays) {
    errors.push(invalid('minDeliveryDays must not exceed maxDeliveryDays', 'minDeliveryDays'));
  }
  if (errors.length) return { errors };
  return {
    fields: { name: name!, carrier, description, countries, price: input.price, currency, freeOver, minDeliveryDays, maxDeliveryDays },
  };
}

/** "3–5 business days", "1 business day", "up to 5 business days", "at least 3 business days"; null without days. */
export function deliveryEstimate(min: number | null, max: number | null): string | null {
  const unit = (n: number) => (n === 1 ? 'business day' : 'business days');
  if (min !== null && max !== null) return min === max ? `${min} ${unit(min)}` : `${min}–${max} business days`;
  if (max !== null) return `up to ${max} ${unit(max)}`;
  if (min !== null) return `at least ${min} ${unit(min)}`;
  return null;
}
