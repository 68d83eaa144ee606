/** Every kind of message the shop sends; one template each (templates/templates.ts). */
export const NOTIFICATION_KINDS = [
  'WELCOME',
  'EMAIL_VERIFICATION',
  'PASSWORD_RESET',
  'PASSWORD_CHANGED',
  'ORDER_CONFIRMED',
  'ORDER_CANCELLED',
  'ORDER_SHIPPED',
  'ORDER_DELIVERED',
  'REFUND_ISSUED',
  'RETURN_UPDATED',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** PENDING: recorded, not (yet) accepted by the SMTP server; SENT: accepted; FAILED: gave up; SUPPRESSED: the user's preferences said no. */
export const NOTIFICATION_STATUSES = ['PENDING', 'SENT', 'FAILED', 'SUPPRESSED'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * Kinds whose data holds a single-use secret (a raw reset or verification token). Their data is
 * erased once the notification is settled (SENT or FAILED), so the database keeps no usable
 * token, and they cannot be resent (the user asks for a new token instead).
 */
export const SECRET_KINDS: ReadonlySet<NotificationKind> = new Set(['PASSWORD_RESET', 'EMAIL_VERIFICATION']);

/** Kinds the `orderUpdates` preference switches off. Confirmations, cancellations, refunds and security mails always go. */
export const ORDER_UPDATE_KINDS: ReadonlySet<NotificationKind> = new Set(['ORDER_SHIPPED', 'ORDER_DELIVERED']);

/** A user's notification preferences (defaults when they never chose). */
export interface Preferences {
  orderUpdates: boolean;
  productNews: boolean;
}

export const DEFAULT_PREFERENCES: Preferences = { orderUpdates: true, productNews: false };

/** Whether `preferences` let a notification of `kind` go out. */
export function allowedByPreferences(kind: NotificationKind, preferences: Preferences): boolean {
  return !ORDER_UPDATE_KINDS.has(kind) || preferences.orderUpdates;
}

/** True when `data` carries a single-use link that has expired (a mail with it would be useless). */
export function linkExpired(data: unknown, now = Date.now()): boolean {
  const expiresAt = (data as { expiresAt?: unknown } | null)?.expiresAt;
  return typeof expiresAt === 'string' && Date.parse(expiresAt) <= now;
}
