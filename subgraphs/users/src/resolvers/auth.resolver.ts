import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { UsersContext } from '../context';
import { LoginInput, RegisterInput } from '../types/auth.input';
import { AuthPayload } from '../types/payloads.type';

/** Sign-up, sign-in and the token lifecycle. */
@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { description: 'Creates a CUSTOMER account and signs it in.' })
  register(@Arg('input', () => RegisterInput, { description: 'The new account.' }) input: RegisterInput, @Ctx() ctx: UsersContext): Promise<AuthPayload> {
    return ctx.services.auth.register(ctx, input);
  }

  @Mutation(() => AuthPayload, {
    description: 'Signs in. Wrong email or password gives INVALID_CREDENTIALS; too many attempts for one email fail with a RATE_LIMITED error.',
  })
  login(@Arg('input', () => LoginInput, { description: 'The credentials.' }) input: LoginInput, @Ctx() ctx: UsersContext): Promise<AuthPayload> {
    return ctx.services.auth.login(ctx, input);
  }

  @Mutation(() => AuthPayload, {
    description:
      'Exchanges a refresh token for a new access token and a new refresh token. Each refresh token works once: reusing one signs that session out everywhere (INVALID_TOKEN).',
  })
  refreshToken(@Arg('refreshToken', () => String, { description: 'The latest refresh token.' }) refreshToken: string, @Ctx() ctx: UsersContext): Promise<AuthPayload> {
    return ctx.services.auth.refresh(ctx, refreshToken);
  }

  @Mutation(() => Boolean, { description: 'Ends the session of this refresh token. False when the token is unknown.' })
  logout(@Arg('refreshToken', () => String, { description: 'A refresh token of the session.' }) refreshToken: string, @Ctx() ctx: UsersContext): Promise<boolean> {
    return ctx.services.auth.logout(ctx, refreshToken);
  }
}
