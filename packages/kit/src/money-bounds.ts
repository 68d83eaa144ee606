/**
 * Money and quantity bounds shared by products (prices) and orders (carts and orders). Amounts
 * are integer minor units in 32-bit columns and GraphQL `Int`s, so the largest possible total —
 * MAX_LINES lines of MAX_LINE_QUANTITY units at MAX_PRICE_AMOUNT — must fit in a signed 32-bit
 * integer: 20 × 99 × 1,000,000 = 1,980,000,000 < 2,147,483,647. Raising one means lowering another
 * (or moving every money column and the API's Money.amount to 64 bits).
 */
export const MAX_MONEY_AMOUNT = 2_147_483_647;
/** The highest price of one unit, in minor units (10,000.00 in a two-decimal currency). */
export const MAX_PRICE_AMOUNT = 1_000_000;
/** The largest quantity of one product in a cart line or an order line. */
export const MAX_LINE_QUANTITY = 99;
/** The most distinct products a cart or an order may hold. */
export const MAX_LINES = 20;

if (MAX_LINES * MAX_LINE_QUANTITY * MAX_PRICE_AMOUNT > MAX_MONEY_AMOUNT) {
  throw new Error('money bounds: the largest cart total would overflow a 32-bit amount');
}
