import { isProviderToken, looksLikeCardNumber, paymentTokenProblem } from './payment-token';

describe('payment tokens', () => {
  it.each(['tok_visa', 'tok_chargeDeclined', 'pm_1NxYz2LkdIwHu7ixAbCd', 'tok_amex', 'pm_card_visa'])('accepts the provider token %s', (token) => {
    expect(isProviderToken(token)).toBe(true);
    expect(paymentTokenProblem(token)).toBeNull();
  });

  it.each([
    ['Visa, spaced', '4242 4242 4242 4242'],
    ['Visa, dashed', '4242-4242-4242-4242'],
    ['Visa, plain', '4242424242424242'],
    ['Amex (15)', '3782 822463 10005'],
    ['failing Luhn', '1234567890123456'],
    ['12 digits', '123456789012'],
    ['19 digits', '4000 0000 0000 0000 006'],
    ['inside a token', 'tok_4242424242424242'],
    ['inside text', 'card 4242 4242 4242 4242 exp 12/30'],
  ])('refuses a card-number-like value (%s) and says so', (_name, value) => {
    expect(looksLikeCardNumber(value)).toBe(true);
    expect(isProviderToken(value)).toBe(false);
    expect(paymentTokenProblem(value)).toMatch(/never a card number/);
  });

  it.each(['visa', 'tok_', 'tok visa', 'tok_visa\n', 'TOK_visa', 'sk_live_abc', 'x'.repeat(300), 'tok_' + 'a'.repeat(121)])(
    'refuses %j: not a provider token',
    (value) => {
      expect(isProviderToken(value)).toBe(false);
      expect(paymentTokenProblem(value)).toMatch(/provider token/);
    },
  );

  it('does not take short digit runs for card numbers', () => {
    expect(looksLikeCardNumber('12345678901')).toBe(false);
    expect(looksLikeCardNumber('tok_2024_12_31')).toBe(false);
  });
});
