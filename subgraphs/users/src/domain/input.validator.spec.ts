import { UserErrorCode } from '@shopgraph/kit';
import { normalizeAddress, normalizeEmail, validateAddress, validatePassword, validateRegistration } from './input.validator';

const address = { recipient: 'Alice Doe', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'us' };

describe('input validation', () => {
  it('normalizes emails to trimmed lowercase', () => {
    expect(normalizeEmail('  Alice.Doe@Example.COM ')).toBe('alice.doe@example.com');
  });

  it('enforces the password policy: 8..128 chars, a letter and a digit', () => {
    const field = ['input', 'password'];
    expect(validatePassword('abcdef12', field)).toEqual([]);
    expect(validatePassword('ünïcødé9', field)).toEqual([]);
    expect(validatePassword('abc12', field)[0]).toMatchObject({ code: UserErrorCode.INVALID_INPUT, field, message: expect.stringMatching(/at least 8/) });
    expect(validatePassword('a1'.repeat(65), field)[0].message).toMatch(/at most 128/);
    expect(validatePassword('abcdefgh', field)[0].message).toMatch(/letter and one digit/);
    expect(validatePassword('12345678', field)[0].message).toMatch(/letter and one digit/);
  });

  it('reports every bad registration field with its path', () => {
    expect(validateRegistration({ email: ' Bob@Example.com ', password: 'secret123', name: 'Bob' })).toEqual([]);
    const errors = validateRegistration({ email: 'not-an-email', password: 'short', name: '   ' });
    expect(errors.map((e) => e.field)).toEqual([
      ['input', 'email'],
      ['input', 'password'],
      ['input', 'name'],
    ]);
    expect(validateRegistration({ email: 'a@b', password: 'secret123', name: 'x'.repeat(101) }).map((e) => e.field)).toEqual([
      ['input', 'email'],
      ['input', 'name'],
    ]);
  });

  it('accepts a normalized address and rejects unknown countries, blanks and overlong fields', () => {
    const normalized = normalizeAddress({ ...address, line2: '  ', label: ' Home ' });
    expect(normalized).toMatchObject({ country: 'US', line2: null, label: 'Home' });
    expect(validateAddress(normalized)).toEqual([]);
    const errors = validateAddress(normalizeAddress({ ...address, country: 'XX', city: ' ', postalCode: '9'.repeat(21) }));
    expect(errors.map((e) => e.field)).toEqual([
      ['input', 'city'],
      ['input', 'postalCode'],
      ['input', 'country'],
    ]);
    expect(validateAddress(normalizeAddress({ ...address, country: 'USA' }))[0].field).toEqual(['input', 'country']);
  });
});
