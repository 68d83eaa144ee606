import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { UserError, UserErrorCode } from '@shopgraph/kit';
import type { UsersContext } from '../context';
import type { UserEntity } from '../entities/user.entity';
import type { LoginAttemptStore } from '../stores/login-attempt.store';
import { DuplicateEmailError, type UserStore } from '../stores/user.store';
import { AuthPayload } from '../types/payloads.type';
import { toUser } from '../types/user.type';
import type { AccessTokenService } from './access-token.service';
import { normalizeEmail, validateRegistration } from './input.validator';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './password.hasher';
import type { RefreshTokenService } from './refresh-token.service';

/** Thrown past the login limit: a GraphQL error with code RATE_LIMITED (not payload data). */
export function rateLimited(): GraphQLError {
  return new GraphQLError('Too many login attempts for this account; try again in a few minutes', {
    extensions: { code: 'RATE_LIMITED' },
  });
}

/** Registration, login, refresh-token rotation and logout. */
export class AuthService {
  constructor(
    private readonly users: UserStore,
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly loginAttempts: LoginAttemptStore,
    private readonly loginLimit: number,
  ) {}

  /** Creates a CUSTOMER account and signs it in. */
  async register(ctx: UsersContext, input: { email: string; password: string; name: string }): Promise<AuthPayload> {
    const errors = validateRegistration(input);
    if (errors.length) return AuthPayload.failed(...errors);
    const now = new Date();
    const user: UserEntity = {
      id: randomUUID(),
      email: normalizeEmail(input.email),
      name: input.name.trim(),
      role: 'CUSTOMER',
      passwordHash: await hashPassword(input.password),
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.users.insert(user);
    } catch (error) {
      if (!(error instanceof DuplicateEmailError)) throw error;
      return AuthPayload.failed(UserError.of(UserErrorCode.ALREADY_EXISTS, 'An account with this email already exists', ['input', 'email']));
    }
    ctx.log.info({ userId: user.id }, 'user registered');
    return this.signedIn(user, (await this.refreshTokens.issue(user.id)).token);
  }

  /**
   * Signs in with email and password. Unknown email and wrong password give the same error
   * in about the same time; past LOGIN_RATE_LIMIT attempts per email the call is RATE_LIMITED.
   */
  async login(ctx: UsersContext, input: { email: string; password: string }): Promise<AuthPayload> {
    const email = normalizeEmail(input.email);
    if ((await this.loginAttempts.hit(email)) > this.loginLimit) {
      ctx.log.warn('login rate limit reached');
      throw rateLimited();
    }
    const user = await this.users.findByEmail(email);
    const valid = user ? await verifyPassword(input.password, user.passwordHash) : await verifyAgainstDummy(input.password);
    if (!user || !valid) {
      return AuthPayload.failed(UserError.of(UserErrorCode.INVALID_CREDENTIALS, 'Email or password is incorrect'));
    }
    await this.loginAttempts.reset(email);
    return this.signedIn(user, (await this.refreshTokens.issue(user.id)).token);
  }

  /** Exchanges a refresh token for new tokens (rotation); a reused token revokes its whole family. */
  async refresh(ctx: UsersContext, refreshToken: string): Promise<AuthPayload> {
    const rotated = await this.refreshTokens.rotate(refreshToken);
    const [user] = rotated ? await this.users.findByIds([rotated.userId]) : [];
    if (!rotated || !user) {
      ctx.log.info('refresh token refused');
      return AuthPayload.failed(
        UserError.of(UserErrorCode.INVALID_TOKEN, 'The refresh token is invalid, expired or revoked; sign in again', ['refreshToken']),
      );
    }
    return this.signedIn(user, rotated.token);
  }

  /** Revokes the session (token family) of `refreshToken`; false when the token is unknown. */
  logout(_ctx: UsersContext, refreshToken: string): Promise<boolean> {
    return this.refreshTokens.revoke(refreshToken);
  }

  private async signedIn(user: UserEntity, refreshToken: string): Promise<AuthPayload> {
    const access = await this.accessTokens.sign(user);
    return Object.assign(new AuthPayload(), {
      accessToken: access.token,
      refreshToken,
      expiresAt: access.expiresAt,
      user: toUser(user, true),
      errors: [],
    });
  }
}
