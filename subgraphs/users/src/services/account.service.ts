import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { createEvent, enqueueEvents, type EventEnvelope, type EventType, type PayloadOf } from '@shopgraph/events';
import { requireViewer, UserError, UserErrorCode, type Logger } from '@shopgraph/kit';
import type { UsersRequest } from '../loaders';
import type { AccountTokenEntity, AccountTokenPurpose } from '../entities/account-token.entity';
import { UserEntity } from '../entities/user.entity';
import { returned, type AccountTokenStore } from '../stores/account-token.store';
import type { LoginAttemptStore } from '../stores/login-attempt.store';
import type { RevocationStore } from '../stores/revocation.store';
import type { UserStore } from '../stores/user.store';
import { AuthPayload, UserPayload } from '../types/payloads.type';
import { toUser } from '../types/user.type';
import { normalizeEmail, validatePassword } from '../domain/input.validator';
import { hashPassword, verifyPassword } from './password.hasher';
import { rateLimited as rateLimitedError } from './rate-limited';
import { hashToken } from './refresh-token.service';

/** A reset or verification token as mailed: 32 random bytes, base64url (43 characters). */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface AccountTokenLifetimes {
  /** Password-reset tokens (30 minutes by default). */
  passwordResetSeconds: number;
  /** Email-verification tokens (7 days by default). */
  emailVerificationSeconds: number;
}

/** Starts a session for a user whose password was just reset (AuthService's sign-in). */
export type SessionStarter = (user: UserEntity) => Promise<AuthPayload>;

const invalidToken = (field = ['token']) =>
  UserError.of(UserErrorCode.INVALID_TOKEN, 'This link is invalid, expired or already used; ask for a new one', field);

/**
 * Account security: creating an account with its events, password reset, password change and
 * email verification.
 *
 * Reset and verification tokens are random (256 bits), single use, stored only as sha256 hashes,
 * and expire. Every change and the users.v1 event announcing it (UserRegistered,
 * EmailVerificationRequested, PasswordResetRequested, PasswordChanged, EmailVerified) are written in one
 * PostgreSQL transaction (the outbox): the event is published if and only if the change commits.
 * The reset and verification events carry the raw token (the notifications service mails it):
 * users.v1 must be ACL'd in production.
 */
export class AccountService {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UserStore,
    private readonly tokens: AccountTokenStore,
    private readonly loginAttempts: LoginAttemptStore,
    private readonly revocations: RevocationStore,
    private readonly lifetimes: AccountTokenLifetimes,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Inserts a new account with UserRegistered and its first EmailVerificationRequested, in one
   * transaction. DuplicateEmailError (user.store) when the email is taken (nothing written).
   */
  async createAccount(ctx: UsersRequest, user: UserEntity): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.users.insert(user, manager);
      const verification = await this.issueToken(manager, user, 'EMAIL_VERIFICATION');
      await enqueueEvents(manager, [
        this.event(ctx, 'UserRegistered', user.id, { userId: user.id, email: user.email, name: user.name }),
        this.event(ctx, 'EmailVerificationRequested', user.id, {
          userId: user.id,
          email: user.email,
          name: user.name,
          token: verification.token,
          expiresAt: verification.expiresAt.toISOString(),
        }),
      ]);
    });
  }

  /**
   * Mails a reset link if `email` has an account. Always true, whether it has one or not: the
   * answer, the errors and the work done before answering are the same (the limits count the
   * email string, not the account). A client past its budget gets RATE_LIMITED; an email past its
   * budget gets true and no further mail (so nobody can flood a mailbox). Looking the account up
   * and writing the token and event happen after the answer (`drain()` waits for them), so the
   * answer's timing does not tell a registered address either.
   */
  async requestPasswordReset(ctx: UsersRequest, rawEmail: string): Promise<boolean> {
    const email = normalizeEmail(rawEmail);
    if (email.length === 0 || email.length > 254) return true;
    const verdict = await this.loginAttempts.passwordResetRequest(email, ctx.clientIp);
    if (!verdict.allowed) {
      if (verdict.scope === 'client') {
        ctx.log.warn('password reset rate limit reached (client)');
        throw rateLimitedError(verdict.retryAfterSeconds, 'password reset requests from this client');
      }
      ctx.log.info('password reset rate limit reached (email): no mail');
      return true;
    }
    const work = this.queueReset(ctx, email).catch((error: unknown) => ctx.log.error({ err: error }, 'password reset not queued'));
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
    return true;
  }

  /** Waits for the reset requests still being written (at stop, before the database closes; tests). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async queueReset(ctx: UsersRequest, email: string): Promise<void> {
    const user = await this.users.findByEmail(email);
    if (!user) return;
    await this.dataSource.transaction(async (manager) => {
      const reset = await this.issueToken(manager, user, 'PASSWORD_RESET');
      await enqueueEvents(manager, [
        this.event(ctx, 'PasswordResetRequested', user.id, {
          userId: user.id,
          email: user.email,
          name: user.name,
          token: reset.token,
          expiresAt: reset.expiresAt.toISOString(),
        }),
      ]);
    });
    ctx.log.info({ userId: user.id }, 'password reset requested');
  }

  /**
   * Sets a new password with a reset token and signs the user in. Every refresh token of the user
   * is revoked, and at the gateway every access token issued before now (written first: if Redis
   * does not take it, nothing changes and the answer is SERVICE_UNAVAILABLE). The token and every
   * other reset token of the user stop working. A reset also proves the user reads mail at the
   * address, so it verifies it.
   */
  async resetPassword(ctx: UsersRequest, token: string, newPassword: string): Promise<AuthPayload> {
    const errors = validatePassword(newPassword, ['newPassword']);
    if (errors.length) return AuthPayload.failed(...errors);
    const found = await this.usable('PASSWORD_RESET', token);
    if (!found) return AuthPayload.failed(invalidToken());
    const at = this.now();
    await this.revocations.revokeUserBefore(found.userId, at);
    const passwordHash = await hashPassword(newPassword);
    const user = await this.dataSource.transaction(async (manager) => {
      const consumed = await this.tokens.consume(manager, 'PASSWORD_RESET', hashToken(token), at);
      if (!consumed) return null;
      const changed = await this.setPassword(manager, consumed.userId, passwordHash, at, consumed.email);
      if (!changed) return null;
      // The reset verified the address just now (it was not before): announced as a verification.
      if (changed.emailVerifiedAt?.getTime() === at.getTime()) await enqueueEvents(manager, [this.emailVerified(ctx, changed, at)]);
      await this.revokeRefreshTokens(manager, changed.id, at, null);
      await this.tokens.retireAll(manager, changed.id, 'PASSWORD_RESET', at);
      await enqueueEvents(manager, [
        this.event(ctx, 'PasswordChanged', changed.id, {
          userId: changed.id,
          email: changed.email,
          name: changed.name,
          via: 'RESET',
          at: at.toISOString(),
        }),
      ]);
      return changed;
    });
    if (!user) return AuthPayload.failed(invalidToken());
    // The backoff of failed logins no longer protects anything: the password is new.
    await this.loginAttempts.succeededLogin(user.email);
    ctx.log.info({ userId: user.id }, 'password reset');
    return this.startSession(user);
  }

  /**
   * Changes the signed-in user's password; the current one is required (wrong ones count as
   * failed logins of the account, with the same backoff). Every other session is signed out: its
   * refresh tokens are revoked, and its access tokens at the gateway. The session making the call
   * is known when the gateway passes it (`ctx.sessionId`); without it every session is signed out,
   * this one included (the safe side).
   */
  async changePassword(ctx: UsersRequest, currentPassword: string, newPassword: string): Promise<UserPayload> {
    const viewer = requireViewer(ctx);
    const errors = validatePassword(newPassword, ['newPassword']);
    if (errors.length) return UserPayload.of(null, errors);
    const [stored] = await this.users.findByIds([viewer.id]);
    if (!stored) return UserPayload.of(null, [UserError.of(UserErrorCode.NOT_FOUND, 'No such user')]);
    const verdict = await this.loginAttempts.checkLogin(stored.email, ctx.clientIp);
    if (!verdict.allowed)
      throw rateLimitedError(
        verdict.retryAfterSeconds,
        verdict.scope === 'account' ? 'password attempts for this account' : 'failed password attempts from this client',
      );
    if (!(await verifyPassword(currentPassword, stored.passwordHash))) {
      await this.loginAttempts.failedLogin(stored.email, ctx.clientIp);
      return UserPayload.of(null, [
        UserError.of(UserErrorCode.INVALID_CREDENTIALS, 'The current password is incorrect', ['currentPassword']),
      ]);
    }
    const keep = ctx.sessionId ?? null;
    const at = this.now();
    // Access tokens first (fail closed): the sessions that exist now lose theirs at the gateway.
    const others = await this.activeFamilies(viewer.id, keep);
    if (keep) await this.revocations.revokeSessions(others);
    else await this.revocations.revokeUserBefore(viewer.id, at);
    const passwordHash = await hashPassword(newPassword);
    const changed = await this.dataSource.transaction(async (manager) => {
      const user = await this.setPassword(manager, viewer.id, passwordHash, at, null);
      if (!user) return null;
      const revoked = await this.revokeRefreshTokens(manager, user.id, at, keep);
      await this.tokens.retireAll(manager, user.id, 'PASSWORD_RESET', at);
      await enqueueEvents(manager, [
        this.event(ctx, 'PasswordChanged', user.id, {
          userId: user.id,
          email: user.email,
          name: user.name,
          via: 'CHANGE',
          at: at.toISOString(),
        }),
      ]);
      return { user, revoked };
    });
    if (!changed) return UserPayload.of(null, [UserError.of(UserErrorCode.NOT_FOUND, 'No such user')]);
    // A session that signed in between the read and the transaction: its refresh tokens are gone, revoke its access tokens too.
    const late = keep ? changed.revoked.filter((f) => !others.includes(f)) : [];
    if (late.length)
      await this.revocations
        .revokeSessions(late)
        .catch((error) => this.log.warn({ err: error }, 'late session: access tokens not revoked'));
    await this.loginAttempts.succeededLogin(changed.user.email);
    ctx.log.info({ userId: viewer.id, keptSession: keep !== null }, 'password changed');
    const user = toUser(changed.user);
    ctx.loaders.user.clear(user.id).prime(user.id, user);
    return UserPayload.of(user);
  }

  /** Mails a new verification link to the signed-in user; true also when the email is already verified (then nothing is sent). */
  async requestEmailVerification(ctx: UsersRequest): Promise<boolean> {
    const viewer = requireViewer(ctx);
    const [user] = await this.users.findByIds([viewer.id]);
    if (!user || user.emailVerifiedAt) return true;
    const verdict = await this.loginAttempts.emailVerificationRequest(user.id);
    if (!verdict.allowed) throw rateLimitedError(verdict.retryAfterSeconds, 'verification emails for this account');
    await this.dataSource.transaction(async (manager) => {
      const verification = await this.issueToken(manager, user, 'EMAIL_VERIFICATION');
      await enqueueEvents(manager, [
        this.event(ctx, 'EmailVerificationRequested', user.id, {
          userId: user.id,
          email: user.email,
          name: user.name,
          token: verification.token,
          expiresAt: verification.expiresAt.toISOString(),
        }),
      ]);
    });
    return true;
  }

  /**
   * Marks the email of the token's user verified. Works signed out (a link opened anywhere): the
   * token proves the caller reads that mailbox, so the payload shows the user's email. The token
   * only verifies the address it was mailed to.
   */
  async verifyEmail(ctx: UsersRequest, token: string): Promise<UserPayload> {
    if (!(await this.usable('EMAIL_VERIFICATION', token))) return UserPayload.of(null, [invalidToken()]);
    const at = this.now();
    const user = await this.dataSource.transaction(async (manager) => {
      const consumed = await this.tokens.consume(manager, 'EMAIL_VERIFICATION', hashToken(token), at);
      if (!consumed) return null;
      const rows = returned<{ id: string }>(
        await manager.query(
          `UPDATE users SET email_verified_at = COALESCE(email_verified_at, $3), updated_at = $3
            WHERE id = $1 AND email = $2 RETURNING id`,
          [consumed.userId, consumed.email, at],
        ),
      );
      if (rows.length !== 1) return null;
      await this.tokens.retireAll(manager, consumed.userId, 'EMAIL_VERIFICATION', at);
      const verified = await manager.getRepository(UserEntity).findOneByOrFail({ id: consumed.userId });
      // Orders links the guest orders placed with this address to the account (only now that it is proven).
      await enqueueEvents(manager, [this.emailVerified(ctx, verified, at)]);
      return verified;
    });
    if (!user) return UserPayload.of(null, [invalidToken()]);
    ctx.log.info({ userId: user.id }, 'email verified');
    const view = toUser(user, true);
    ctx.loaders.user.clear(user.id).prime(user.id, toUser(user));
    return UserPayload.of(view);
  }

  /** Set by AuthService: signs a user in (a fresh refresh-token family and access token). */
  startSession: SessionStarter = async () => {
    throw new Error('AccountService.startSession is not wired');
  };

  /** The token if it is well formed, known, unused and unexpired (a read; consuming it is the transaction's conditional update). */
  private async usable(purpose: AccountTokenPurpose, token: string): Promise<AccountTokenEntity | null> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return null;
    const found = await this.tokens.find(this.dataSource.manager, purpose, hashToken(token));
    if (!found || found.usedAt || found.expiresAt.getTime() <= this.now().getTime()) return null;
    return found;
  }

  private async issueToken(
    manager: EntityManager,
    user: UserEntity,
    purpose: AccountTokenPurpose,
  ): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const createdAt = this.now();
    const ttl = purpose === 'PASSWORD_RESET' ? this.lifetimes.passwordResetSeconds : this.lifetimes.emailVerificationSeconds;
    const expiresAt = new Date(createdAt.getTime() + ttl * 1000);
    await this.tokens.insert(manager, {
      id: randomUUID(),
      userId: user.id,
      purpose,
      tokenHash: hashToken(token),
      email: user.email,
      createdAt,
      expiresAt,
      usedAt: null,
    });
    return { token, expiresAt };
  }

  /** New password hash; with `verifiedEmail` (a reset mailed there) also marks that address verified. */
  private async setPassword(
    manager: EntityManager,
    userId: string,
    passwordHash: string,
    at: Date,
    verifiedEmail: string | null,
  ): Promise<UserEntity | null> {
    const rows = returned<{ id: string }>(
      await manager.query(
        `UPDATE users SET password_hash = $2, updated_at = $3,
              email_verified_at = CASE WHEN $4::text IS NOT NULL AND email = $4::text THEN COALESCE(email_verified_at, $3) ELSE email_verified_at END
        WHERE id = $1 RETURNING id`,
        [userId, passwordHash, at, verifiedEmail],
      ),
    );
    return rows.length === 1 ? manager.getRepository(UserEntity).findOneBy({ id: userId }) : null;
  }

  /** Revokes every live refresh token of the user except those of family `keep`; the families revoked. */
  private async revokeRefreshTokens(manager: EntityManager, userId: string, at: Date, keep: string | null): Promise<string[]> {
    const rows = returned<{ family_id: string }>(
      await manager.query(
        `UPDATE refresh_tokens SET revoked_at = $2
        WHERE user_id = $1 AND revoked_at IS NULL AND ($3::uuid IS NULL OR family_id <> $3::uuid)
        RETURNING family_id`,
        [userId, at, keep],
      ),
    );
    return [...new Set(rows.map((r) => r.family_id))];
  }

  /** Sessions (refresh-token families) of the user not revoked yet, except `keep`: their access tokens may be live. */
  private async activeFamilies(userId: string, keep: string | null): Promise<string[]> {
    const rows: Array<{ family_id: string }> = await this.dataSource.query(
      `SELECT DISTINCT family_id FROM refresh_tokens
        WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR family_id <> $2::uuid)`,
      [userId, keep],
    );
    return rows.map((r) => r.family_id);
  }

  /** EmailVerified: the account proved it reads mail at its address (orders links that address's guest orders). */
  private emailVerified(ctx: UsersRequest, user: UserEntity, at: Date): EventEnvelope<'EmailVerified'> {
    return this.event(ctx, 'EmailVerified', user.id, { userId: user.id, email: user.email, name: user.name, verifiedAt: at.toISOString() });
  }

  private event<T extends EventType>(ctx: UsersRequest, type: T, userId: string, payload: PayloadOf<T>): EventEnvelope<T> {
    return createEvent(type, userId, payload, { source: 'users', correlationId: ctx.requestId });
  }
}
