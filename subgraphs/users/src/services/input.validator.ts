import { UserError, UserErrorCode } from '@shopgraph/kit';

/** The ISO-3166-1 alpha-2 country codes an address may carry. */
const COUNTRIES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
    'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
    'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG ' +
    'UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

// Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is proven by mail, not regex.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

const invalid = (message: string, field: string[]) => UserError.of(UserErrorCode.INVALID_INPUT, message, field);

/** Canonical form of an email for storage and lookup: trimmed and lowercased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Errors for an email that is not a plausible address (checked after normalization). */
export function validateEmail(email: string, field: string[]): UserError[] {
  const normalized = normalizeEmail(email);
  if (normalized.length > 254 || !EMAIL.test(normalized)) return [invalid('Enter a valid email address', field)];
  return [];
}

/** Password policy: 8 to 128 characters with at least one letter and one digit. */
export function validatePassword(password: string, field: string[]): UserError[] {
  if (password.length < 8) return [invalid('Password must be at least 8 characters long', field)];
  if (password.length > 128) return [invalid('Password must be at most 128 characters long', field)];
  if (!/\p{L}/u.test(password) || !/\p{N}/u.test(password)) {
    return [invalid('Password must contain at least one letter and one digit', field)];
  }
  return [];
}

/** A display name: 1 to 100 characters once trimmed. */
export function validateName(name: string, field: string[]): UserError[] {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) return [invalid('Name must be between 1 and 100 characters', field)];
  return [];
}

/** Every problem with a registration, each pointing at its input field. */
export function validateRegistration(input: { email: string; password: string; name: string }): UserError[] {
  return [
    ...validateEmail(input.email, ['input', 'email']),
    ...validatePassword(input.password, ['input', 'password']),
    ...validateName(input.name, ['input', 'name']),
  ];
}

/** The fields of an address as the client sends them. */
export interface AddressFields {
  label?: string | null;
  recipient: string;
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode: string;
  country: string;
}

const ADDRESS_LIMITS: { key: keyof AddressFields; max: number; required: boolean }[] = [
  { key: 'label', max: 50, required: false },
  { key: 'recipient', max: 100, required: true },
  { key: 'line1', max: 200, required: true },
  { key: 'line2', max: 200, required: false },
  { key: 'city', max: 100, required: true },
  { key: 'region', max: 100, required: false },
  { key: 'postalCode', max: 20, required: true },
];

/** Trims every field, turns blank optional ones into null and uppercases the country code. */
export function normalizeAddress<T extends AddressFields>(input: T): T {
  const blankToNull = (value?: string | null) => (value?.trim() ? value.trim() : null);
  return {
    ...input,
    label: blankToNull(input.label),
    recipient: input.recipient.trim(),
    line1: input.line1.trim(),
    line2: blankToNull(input.line2),
    city: input.city.trim(),
    region: blankToNull(input.region),
    postalCode: input.postalCode.trim(),
    country: input.country.trim().toUpperCase(),
  };
}

/** Every problem with an (already normalized) address: required fields, lengths, ISO country code. */
export function validateAddress(address: AddressFields): UserError[] {
  const errors: UserError[] = [];
  for (const { key, max, required } of ADDRESS_LIMITS) {
    const value = address[key] ?? '';
    if (required && value.length === 0) errors.push(invalid(`${key} is required`, ['input', key]));
    else if (value.length > max) errors.push(invalid(`${key} must be at most ${max} characters`, ['input', key]));
  }
  if (!COUNTRIES.has(address.country)) {
    errors.push(invalid('country must be an ISO-3166-1 alpha-2 code, e.g. "US"', ['input', 'country']));
  }
  return errors;
}
