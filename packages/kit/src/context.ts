import type { Logger } from './logger';
import { forbidden, unauthenticated } from './errors';

/** The signed-in user as the gateway vouched for them. */
export interface Viewer {
  id: string;
  role: 'CUSTOMER' | 'ADMIN';
}

/** What every resolver gets: who is asking, and a logger bound to the request. */
export interface RequestContext {
  viewer: Viewer | null;
  /** The client's address as the gateway saw it (from its signed internal token); absent when the caller was not the gateway's HTTP edge. */
  clientIp?: string;
  /** The viewer's session (refresh-token family) as the gateway saw it in the access token (signed internal token); absent when unknown. */
  sessionId?: string;
  requestId: string;
  log: Logger;
}

/** The signed-in user, or UNAUTHENTICATED. */
export function requireViewer(ctx: { viewer: Viewer | null }): Viewer {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}

/** The signed-in ADMIN, or UNAUTHENTICATED / FORBIDDEN. */
export function requireAdmin(ctx: { viewer: Viewer | null }): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.role !== 'ADMIN') throw forbidden('Only an ADMIN may do this');
  return viewer;
}

/** The signed-in user when they are `ownerId` or an ADMIN; else FORBIDDEN. */
export function requireSelfOrAdmin(ctx: { viewer: Viewer | null }, ownerId: string): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.id !== ownerId && viewer.role !== 'ADMIN') throw forbidden();
  return viewer;
}
