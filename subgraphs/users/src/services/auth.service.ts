import { randomUUID } from 'node:crypto';
import { UserError, UserErrorCode } from '@shopgraph/kit';
import type { UsersRequest } from '../loaders';
import type { UserEntity } from '../entities/user.entity';
import type { LoginAttemptStore } from '../stores/login-attempt.store';
import type { RevocationStore } from '../stores/revocation.store';
import { DuplicateEmailError, type UserStore } from '../stores/user.store';
import { AuthPayload } from '../types/payloads.type';
import { toUser } from '../types/user.type';
import type { AccessTokenService } from './access-token.service';
import type { AccountService } from './account.service';
import { normalizeEmail, validateRegistration } from '../domain/input.validator';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './password.hasher';
import type { RefreshTokenService } from './refresh-token.service';
import { rateLimited } from './rate-limited';

export { rateLimited } from './rate-limited';

/** Registration, login, refresh-token rotation and logout. */
export class AuthService {
  constructor(
    private readonly users: UserStore,
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly loginAttempts: LoginAttemptStore,
    private readonly revocations: RevocationStore,
    /** Account events (outbox) and the reset/verification flows; without it registration writes only the user. */
    private readonly accounts?: AccountService,
  ) {
    if (accounts) accounts.startSession = async (user) => this.signedIn(user, await this.refreshTokens.issue(user.id));
  }

  /** Creates a CUSTOMER account and signs it in. */
  async register(ctx: UsersRequest, input: { email: string; password: string; name: string }): Promise<AuthPayload> {
    const errors = validateRegistration(input);
    if (errors.length) return AuthPayload.failed(...errors);
    const verdict = await this.loginAttempts.register(ctx.clientIp);
    if (!verdict.allowed) {
      ctx.log.warn('registration rate limit reached');
      throw rateLimited(verdict.retryAfterSeconds, 'registrations from this client');
    }
    const now = new Date();
    const user: UserEntity = {
      id: randomUUID(),
      email: normalizeEmail(input.email),
      name: input.name.trim(),
      role: 'CUSTOMER',
      passwordHash: await hashPassword(input.password),
      emailVerifiedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      if (this.accounts) await this.accounts.createAccount(ctx, user);
      else await this.users.insert(user);
    } catch (error) {
      if (!(error instanceof DuplicateEmailError)) throw error;
      return AuthPayload.failed(UserError.of(UserErrorCode.ALREADY_EXISTS, 'An account with this email already exists', ['input', 'email']));
    }
    ctx.log.info({ userId: user.id }, 'user registered');
    return this.signedIn(user, await this.refreshTokens.issue(user.id));
  }

  /**
   * Signs in with email and password. Unknown email and wrong password give the same error
   * in about the same time. Past LOGIN_RATE_LIMIT failures an account backs off (RATE_LIMITED with
   * `retryAfter`, doubling per failure up to LOGIN_BACKOFF_MAX_SECONDS), and a client past
   * LOGIN_CLIENT_MAX_FAILURES failures in the window is RATE_LIMITED for the rest of it.
   */
  async login(ctx: UsersRequest, input: { email: string; password: string }): Promise<AuthPayload> {
    const email = normalizeEmail(input.email);
    const verdict = await this.loginAttempts.checkLogin(email, ctx.clientIp);
    if (!verdict.allowed) {
      ctx.log.warn({ scope: verdict.scope }, 'login rate limit reached');
      throw rateLimited(verdict.retryAfterSeconds, verdict.scope === 'account' ? 'login attempts for this account' : 'failed login attempts from this client');
    }
    const user = await this.users.findByEmail(email);
    const valid = user ? await verifyPassword(input.password, user.passwordHash) : await verifyAgainstDummy(input.password);
    if (!user || !valid) {
      await this.loginAttempts.failedLogin(email, ctx.clientIp);
      return AuthPayload.failed(UserError.of(UserErrorCode.INVALID_CREDENTIALS, 'Email or password is incorrect'));
    }
    await this.loginAttempts.succeededLogin(email);
    return this.signedIn(user, await this.refreshTokens.issue(user.id));
  }

  /** Exchanges a refresh token for new tokens (rotation); a reused token revokes its whole family. */
  async refresh(ctx: UsersRequest, refreshToken: string): Promise<AuthPayload> {
    const rotated = await this.refreshTokens.rotate(refreshToken);
    const [user] = rotated ? await this.users.findByIds([rotated.userId]) : [];
    if (!rotated || !user) {
      ctx.log.info('refresh token refused');
      return AuthPayload.failed(
        UserError.of(UserErrorCode.INVALID_TOKEN, 'The refresh token is invalid, expired or revoked; sign in again', ['refreshToken']),
      );
    }
    return this.signedIn(user, rotated);
  }

  /**
   * Revokes the session (token family) of `refreshToken` and, within seconds at the gateway, the
   * access tokens issued to it; false when the token is unknown.
   */
  async logout(ctx: UsersRequest, refreshToken: string): Promise<boolean> {
    const familyId = await this.refreshTokens.revoke(refreshToken);
    if (!familyId) return false;
    await this.revocations.revokeSession(familyId);
    ctx.log.info('signed out');
    return true;
  }

  private async signedIn(user: UserEntity, session: { token: string; familyId: string }): Promise<AuthPayload> {
    const access = await this.accessTokens.sign(user, new Date(), session.familyId);
    return Object.assign(new AuthPayload(), {
      accessToken: access.token,
      refreshToken: session.token,
      expiresAt: access.expiresAt,
      user: toUser(user, true),
      errors: [],
    });
  }
}
