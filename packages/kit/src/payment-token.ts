/**
 * Payment tokens: what a provider's client-side library hands the shop in place of a card
 * (Stripe-style "tok_…" card tokens and "pm_…" payment methods). A raw card number must never be
 * accepted, stored or published, whatever its separators and whether or not its checksum holds.
 */
const PROVIDER_TOKEN = /^(?:tok|pm)_[A-Za-z0-9_]{1,120}$/;
// 12 to 19 digits, single spaces or dashes allowed between them: every card-number layout.
const CARD_NUMBER_LIKE = /(?:\d[ -]?){11,18}\d/;

/** True when `value` holds something that looks like a card number (12–19 digits, spaces/dashes allowed). */
export function looksLikeCardNumber(value: string): boolean {
  return CARD_NUMBER_LIKE.test(value);
}

/** True for a provider token ("tok_visa", "pm_1Nx…") that carries no card-number-like digits. */
export function isProviderToken(value: string): boolean {
  return PROVIDER_TOKEN.test(value) && !looksLikeCardNumber(value);
}

/** Why a payment token is refused (a message for the client), or null when it is a provider token. */
export function paymentTokenProblem(value: string): string | null {
  if (looksLikeCardNumber(value)) return 'paymentToken must be a payment provider token (e.g. "tok_visa"), never a card number';
  if (!isProviderToken(value)) return 'paymentToken must be a payment provider token such as "tok_…" or "pm_…"';
  return null;
}
