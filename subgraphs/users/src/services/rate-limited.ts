import { GraphQLError } from 'graphql';

/** Thrown past a login, registration or reset limit: a GraphQL error with code RATE_LIMITED and `retryAfter` (not payload data). */
export function rateLimited(retryAfterSeconds: number, what = 'login attempts for this account'): GraphQLError {
  return new GraphQLError(`Too many ${what}; try again in ${retryAfterSeconds} s`, {
    extensions: { code: 'RATE_LIMITED', retryAfter: retryAfterSeconds },
  });
}
