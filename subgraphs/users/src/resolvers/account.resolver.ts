import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { UsersContext } from '../context';
import { AuthPayload, UserPayload } from '../types/payloads.type';

/** Password reset and change, email verification. */
@Resolver()
export class AccountResolver {
  @Mutation(() => Boolean, {
    description:
      'Mails a password-reset link (valid 30 minutes, single use) if the email has an account. Always true: the answer never reveals whether it has one. Too many requests from one client fail with RATE_LIMITED.',
  })
  requestPasswordReset(
    @Arg('email', () => String, { description: 'The email of the account.' }) email: string,
    @Ctx() ctx: UsersContext,
  ): Promise<boolean> {
    return ctx.services.accounts.requestPasswordReset(ctx, email);
  }

  @Mutation(() => AuthPayload, {
    description:
      'Sets a new password with the token of a reset link and signs in. Every other session of the user is signed out. An unknown, malformed, used or expired token is an INVALID_TOKEN error.',
  })
  resetPassword(
    @Arg('token', () => String, { description: 'The token of the reset link.' }) token: string,
    @Arg('newPassword', () => String, { description: 'The new password: 8 to 128 characters with at least one letter and one digit.' })
    newPassword: string,
    @Ctx() ctx: UsersContext,
  ): Promise<AuthPayload> {
    return ctx.services.accounts.resetPassword(ctx, token, newPassword);
  }

  @Mutation(() => UserPayload, {
    description:
      "Changes the signed-in user's password; the current one is required (INVALID_CREDENTIALS otherwise). Every other session is signed out.",
  })
  changePassword(
    @Arg('currentPassword', () => String, { description: 'The password now.' }) currentPassword: string,
    @Arg('newPassword', () => String, { description: 'The new password: 8 to 128 characters with at least one letter and one digit.' })
    newPassword: string,
    @Ctx() ctx: UsersContext,
  ): Promise<UserPayload> {
    return ctx.services.accounts.changePassword(ctx, currentPassword, newPassword);
  }

  @Mutation(() => Boolean, {
    description:
      'Mails the signed-in user a new email-verification link (valid 7 days). True; nothing is sent when the email is already verified.',
  })
  requestEmailVerification(@Ctx() ctx: UsersContext): Promise<boolean> {
    return ctx.services.accounts.requestEmailVerification(ctx);
  }

  @Mutation(() => UserPayload, {
    description:
      'Verifies the email with the token of a verification link. An unknown, malformed, used or expired token is an INVALID_TOKEN error.',
  })
  verifyEmail(
    @Arg('token', () => String, { description: 'The token of the verification link.' }) token: string,
    @Ctx() ctx: UsersContext,
  ): Promise<UserPayload> {
    return ctx.services.accounts.verifyEmail(ctx, token);
  }
}
