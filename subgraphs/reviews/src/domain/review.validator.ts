import { UserError, UserErrorCode, UUID_PATTERN } from '@shopgraph/kit';

/** Limits of a review's text, counted in characters after trimming. */
export const TITLE_MAX = 120;
export const BODY_MAX = 5000;

// Any RFC-4122-shaped id; products mints UUIDs, and reviews treats them as opaque beyond that.

/** True for a string shaped like a UUID (the only ids products and users mint). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** What addReview receives. */
export interface AddReviewFields {
  productId: string;
  rating: number;
  title: string;
  body: string;
}

/** A valid review's normalized fields: trimmed texts (the product id is kept as given: ids are opaque). */
export type ValidReview = AddReviewFields;

const chars = (s: string) => [...s].length;
const invalid = (message: string, name: string) => UserError.of(UserErrorCode.INVALID_INPUT, message, ['input', name]);

/** Validates and normalizes addReview's input; every problem is reported with its field path. */
export function validateReview(input: AddReviewFields): { review: ValidReview | null; errors: UserError[] } {
  const errors: UserError[] = [];
  const title = input.title.trim();
  const body = input.body.trim();
  if (!isUuid(input.productId)) errors.push(invalid('productId is not a product id', 'productId'));
  if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) errors.push(invalid('Rating must be a whole number from 1 to 5', 'rating'));
  if (chars(title) < 1) errors.push(invalid('Title must not be empty', 'title'));
  else if (chars(title) > TITLE_MAX) errors.push(invalid(`Title must be at most ${TITLE_MAX} characters`, 'title'));
  if (chars(body) < 1) errors.push(invalid('Review text must not be empty', 'body'));
  else if (chars(body) > BODY_MAX) errors.push(invalid(`Review text must be at most ${BODY_MAX} characters`, 'body'));
  if (errors.length) return { review: null, errors };
  return { review: { productId: input.productId, rating: input.rating, title, body }, errors };
}
