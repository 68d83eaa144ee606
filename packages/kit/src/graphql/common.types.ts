import { Directive, Field, Int, ObjectType, registerEnumType } from 'type-graphql';

/** Why an expected business operation failed; returned as data in mutation payloads. */
export enum UserErrorCode {
  INVALID_INPUT = 'INVALID_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  ALREADY_EXISTS = 'ALREADY_EXISTS',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  INVALID_TOKEN = 'INVALID_TOKEN',
  OUT_OF_STOCK = 'OUT_OF_STOCK',
  CART_EMPTY = 'CART_EMPTY',
  PRODUCT_UNAVAILABLE = 'PRODUCT_UNAVAILABLE',
  PAYMENT_DECLINED = 'PAYMENT_DECLINED',
  ORDER_NOT_CANCELLABLE = 'ORDER_NOT_CANCELLABLE',
  ALREADY_REVIEWED = 'ALREADY_REVIEWED',
  CONFLICT = 'CONFLICT',
  /** A promotion code is unknown, expired, not yet valid, used up, or its conditions are not met (the message says which). */
  PROMOTION_INVALID = 'PROMOTION_INVALID',
  /** No active shipping method ships to the address (or not the one chosen). */
  SHIPPING_UNAVAILABLE = 'SHIPPING_UNAVAILABLE',
  /** A return cannot be asked for: not your order, not delivered, past the return window, or more than was bought and not yet returned. */
  RETURN_NOT_ALLOWED = 'RETURN_NOT_ALLOWED',
}
registerEnumType(UserErrorCode, {
  name: 'UserErrorCode',
  description: 'Machine-readable reason of an expected failure, for clients to branch on.',
});

/** A user's role: what they may do across the shop. */
export enum Role {
  CUSTOMER = 'CUSTOMER',
  ADMIN = 'ADMIN',
}
registerEnumType(Role, { name: 'Role', description: 'What a user may do: shop (CUSTOMER) or run the shop (ADMIN).' });

@ObjectType({ description: 'An expected failure of a mutation (validation, conflict, wrong password): data, not an exception.' })
@Directive('@shareable')
export class UserError {
  @Field(() => UserErrorCode, { description: 'Machine-readable reason.' })
  code!: UserErrorCode;

  @Field(() => String, { description: 'Human-readable explanation, safe to show to the user.' })
  message!: string;

  @Field(() => [String], { nullable: true, description: 'Path into the input that caused it, e.g. ["input", "email"].' })
  field?: string[] | null;

  static of(code: UserErrorCode, message: string, field?: string[]): UserError {
    return Object.assign(new UserError(), { code, message, field: field ?? null });
  }
}

@ObjectType({ description: 'An amount of money in integer minor units (cents) with its ISO-4217 currency.' })
@Directive('@shareable')
export class Money {
  @Field(() => Int, { description: 'Amount in minor units, e.g. 29999 for $299.99.' })
  amount!: number;

  @Field(() => String, { description: 'ISO-4217 currency code, e.g. "USD".' })
  currency!: string;

  @Field(() => String, { description: 'The amount formatted for display in en-US, e.g. "$299.99".' })
  formatted!: string;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** Builds a Money value; `formatted` uses the currency's own number of minor digits. */
export function money(amount: number, currency = 'USD'): Money {
  let fmt = formatters.get(currency);
  if (!fmt) {
    fmt = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    formatters.set(currency, fmt);
  }
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return Object.assign(new Money(), { amount, currency, formatted: fmt.format(amount / 10 ** digits) });
}

@ObjectType({ description: 'Where a page of a cursor connection sits in the whole list.' })
@Directive('@shareable')
export class PageInfo {
  @Field(() => Boolean, { description: 'True when more items follow this page.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'True when items come before this page.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item of the page.' })
  startCursor?: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item; pass it as `after` for the next page.' })
  endCursor?: string | null;
}
