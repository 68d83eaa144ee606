import { z } from 'zod';
import type { RevocationStore } from '../stores/revocation.store';
import {
  connectionFrom,
  decodeCursor,
  encodeCursor,
  forbidden,
  pageSize,
  requireAdmin,
  requireViewer,
  Role,
  UserError,
  UserErrorCode,
  type Viewer,
} from '@shopgraph/kit';
import type { UsersRequest } from '../loaders';
import type { UserStore } from '../stores/user.store';
import { UserPayload } from '../types/payloads.type';
import { toUser, type User, type UserConnection } from '../types/user.type';
import { validateName } from '../domain/input.validator';

const cursorShape = z.object({ c: z.iso.datetime(), id: z.uuid() });

/** True when `viewer` may see a user's private fields (email, addresses): themself or an ADMIN. */
export function maySeePrivate(viewer: Viewer | null, user: User): boolean {
  return user.provenByCredentials === true || (!!viewer && (viewer.id === user.id || viewer.role === 'ADMIN'));
}

/** Reading users and changing profiles and roles, with the access rules of the contract. */
export class UserService {
  constructor(
    private readonly users: UserStore,
    private readonly revocations?: RevocationStore,
  ) {}

  /** The signed-in user, or null for anonymous callers. */
  async me(ctx: UsersRequest): Promise<User | null> {
    return ctx.viewer ? ctx.loaders.user.load(ctx.viewer.id) : null;
  }

  /** Any user by id (ADMIN only); null when there is none. */
  async user(ctx: UsersRequest, id: string): Promise<User | null> {
    requireAdmin(ctx);
    return ctx.loaders.user.load(id);
  }

  /** All users, oldest first, as a cursor connection (ADMIN only). */
  async list(ctx: UsersRequest, first: number | null | undefined, after: string | null | undefined): Promise<UserConnection> {
    requireAdmin(ctx);
    const limit = pageSize(first);
    const cursor = after ? decodeCursor(after, cursorShape) : null;
    const [rows, totalCount] = await Promise.all([
      this.users.page(cursor && { createdAt: new Date(cursor.c), id: cursor.id }, limit + 1),
      this.users.count(),
    ]);
    const page = connectionFrom(rows, limit, (u) => encodeCursor({ c: u.createdAt.toISOString(), id: u.id }), toUser, !!cursor);
    return { ...page, totalCount };
  }

  /** A user's email, for themself or an ADMIN only. */
  email(ctx: UsersRequest, user: User): string {
    if (!maySeePrivate(ctx.viewer, user)) throw forbidden("Only the user themself or an ADMIN may see a user's email");
    return user.email;
  }

  /** Changes the signed-in user's own profile. */
  async updateProfile(ctx: UsersRequest, input: { name?: string | null }): Promise<UserPayload> {
    const viewer = requireViewer(ctx);
    if (input.name === undefined || input.name === null) return UserPayload.of(await ctx.loaders.user.load(viewer.id));
    const errors = validateName(input.name, ['input', 'name']);
    if (errors.length) return UserPayload.of(null, errors);
    return this.saved(ctx, viewer.id, { name: input.name.trim() });
  }

  /**
   * Makes a user CUSTOMER or ADMIN (ADMIN only). Their access tokens issued before the change are
   * revoked first (refused at the gateway within seconds; the next refresh carries the new role);
   * if that cannot be recorded the role is not changed (SERVICE_UNAVAILABLE).
   */
  async setRole(ctx: UsersRequest, userId: string, role: Role): Promise<UserPayload> {
    const admin = requireAdmin(ctx);
    if (this.revocations) await this.revocations.revokeUserBefore(userId, new Date());
    const payload = await this.saved(ctx, userId, { role }, ['userId']);
    if (payload.user) ctx.log.info({ userId, role, by: admin.id }, 'user role changed');
    return payload;
  }

  private async saved(ctx: UsersRequest, id: string, changes: { name?: string; role?: Role }, field = ['id']): Promise<UserPayload> {
    const entity = await this.users.update(id, changes);
    if (!entity) return UserPayload.of(null, [UserError.of(UserErrorCode.NOT_FOUND, 'No such user', field)]);
    const user = toUser(entity);
    ctx.loaders.user.clear(id).prime(id, user);
    return UserPayload.of(user);
  }
}
