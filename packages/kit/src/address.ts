import { UserError, UserErrorCode } from './graphql/common.types';

/** The ISO-3166-1 alpha-2 country codes an address may carry. */
export const COUNTRY_CODES = new Set(
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

/** Length limits of address fields (the GraphQL descriptions state them too). */
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

/**
 * Every problem with an (already normalized) address: required fields, lengths, ISO country
 * code. `path` is where the address sits in the input, e.g. ["input"] or ["input", "shippingAddress"].
 */
export function validateAddress(address: AddressFields, path: string[] = ['input']): UserError[] {
  const errors: UserError[] = [];
  const invalid = (message: string, key: string) => UserError.of(UserErrorCode.INVALID_INPUT, message, [...path, key]);
  for (const { key, max, required } of ADDRESS_LIMITS) {
    const value = address[key] ?? '';
    if (required && value.length === 0) errors.push(invalid(`${key} is required`, key));
    else if (value.length > max) errors.push(invalid(`${key} must be at most ${max} characters`, key));
  }
  if (!COUNTRY_CODES.has(address.country)) errors.push(invalid('country must be an ISO-3166-1 alpha-2 code, e.g. "US"', 'country'));
  return errors;
}
