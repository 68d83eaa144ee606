import { UserError, UserErrorCode } from '@shopgraph/kit';



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

export { normalizeAddress, validateAddress, type AddressFields } from '@shopgraph/kit';
