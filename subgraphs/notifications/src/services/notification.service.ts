import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { GraphQLError } from 'graphql';
import { processOnce, type EventEnvelope } from '@shopgraph/events';
import {
  badUserInput,
  decodeCursor,
  encodeCursor,
  pageSize,
  requireAdmin,
  requireSelfOrAdmin,
  requireViewer,
  type Logger,
  type RequestContext,
  isUuid,
} from '@shopgraph/kit';
import { z } from 'zod';
import { announcedRecipient, planFor } from '../domain/event-plan';
import { allowedByPreferences, DEFAULT_PREFERENCES, linkExpired, SECRET_KINDS, type Preferences } from '../domain/notification-kind';
import type { NotificationRow, NotificationStore } from '../stores/notification.store';
import { templates, type TemplateContext } from '../templates/templates';
import type { NotificationMetrics } from './notification.metrics';

/** The inbox consumer name of this service's event handler. */
export const INBOX_CONSUMER = 'notifications';

const cursorShape = z.object({ c: z.string().datetime({ offset: true }), i: z.string().uuid() });

/** A page of a user's history. */
export interface HistoryPage {
  rows: NotificationRow[];
  first: number;
  hasPrevious: boolean;
  totalCount: number;
  cursorOf: (row: NotificationRow) => string;
}

/**
 * Turns events into recorded notifications (once per event), and answers the API: history,
 * preferences, an ADMIN's resend. Sending is the Dispatcher's.
 */
export class NotificationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: NotificationStore,
    private readonly metrics: NotificationMetrics,
    private readonly log: Logger,
    private readonly options: { eventMaxAgeMs: number; template: Omit<TemplateContext, 'name'>; onRecorded: () => void },
  ) {}

  /**
   * Handles one event in one transaction with its inbox row: updates the projections (addresses,
   * orders) and records the notification it calls for — PENDING, or SUPPRESSED by the user's
   * preferences. A redelivered event changes nothing. Returns the recorded notification's id.
   */
  async handle(event: EventEnvelope): Promise<string | null> {
    let recorded: string | null = null;
    let kind = '';
    let status = 'PENDING' as 'PENDING' | 'SUPPRESSED';
    await processOnce(this.dataSource, INBOX_CONSUMER, event, async (manager) => {
      const announced = announcedRecipient(event);
      if (announced) await this.store.upsertRecipient(manager, announced.userId, announced.email, announced.name, event.occurredAt);
      if (event.type === 'OrderStatusChanged') {
        const p = (event as EventEnvelope<'OrderStatusChanged'>).payload;
        await this.store.upsertOrder(manager, p.orderId, p.customerId, p.version, p.summary ?? null);
      }
      const orderId =
        event.type === 'PaymentRefunded' || event.type === 'OrderStatusChanged' || event.type === 'ReturnUpdated' ? (event.payload as { orderId: string }).orderId : null;
      const plan = planFor(event, orderId ? await this.store.orderOf(manager, orderId) : null);
      if (!plan) return;
      if (linkExpired(plan.data)) {
        this.log.info({ eventId: event.id, type: event.type }, 'its link expired before the event was handled; nothing sent');
        return;
      }
      const age = Date.now() - Date.parse(event.occurredAt);
      if (age > this.options.eventMaxAgeMs) {
        this.log.info(
          { eventId: event.id, type: event.type, ageMs: age },
          'event too old to notify about (a replayed history); nothing sent',
        );
        return;
      }
      let recipient = plan.recipient;
      if (!recipient && plan.userId) recipient = (await this.recipientIn(manager, plan.userId)) ?? null;
      const preferences = plan.userId
        ? ((await this.store.preferencesOf(manager, plan.userId)) ?? DEFAULT_PREFERENCES)
        : DEFAULT_PREFERENCES;
      status = allowedByPreferences(plan.kind, preferences) ? 'PENDING' : 'SUPPRESSED';
      const template = templates[plan.kind] as { subject: (d: unknown, c: TemplateContext) => string };
      const inserted = await this.store.insert(manager, {
        id: event.id,
        kind: plan.kind,
        userId: plan.userId,
        orderId: plan.orderId,
        recipient,
        subject: template.subject(plan.data, { ...this.options.template, name: '' }).replace(/[\r\n]+/g, ' '),
        data: plan.data,
        status,
        sourceEventType: event.type,
      });
      if (inserted) {
        recorded = event.id;
        kind = plan.kind;
      }
    });
    if (recorded) {
      if (status === 'SUPPRESSED') this.metrics.settled.inc({ kind, status: 'SUPPRESSED' });
      else this.options.onRecorded();
    }
    return recorded;
  }

  private async recipientIn(manager: Parameters<NotificationStore['upsertRecipient']>[0], userId: string): Promise<string | undefined> {
    const rows: { email: string }[] = await manager.query('SELECT email FROM recipients WHERE user_id = $1', [userId]);
    return rows[0]?.email;
  }

  /** A page of `userId`'s history, newest first (the user or an ADMIN). */
  async history(ctx: RequestContext, userId: string, first: number | null, after: string | null): Promise<HistoryPage> {
    requireSelfOrAdmin(ctx, userId);
    const size = pageSize(first);
    const cursor = after ? decodeCursor(after, cursorShape) : null;
    const [rows, totalCount] = await Promise.all([
      size === 0 ? Promise.resolve([]) : this.store.history(userId, cursor ? { createdAt: cursor.c, id: cursor.i } : null, size + 1),
      this.store.countFor(userId),
    ]);
    return {
      rows,
      first: size,
      hasPrevious: cursor !== null,
      totalCount,
      cursorOf: (row) => encodeCursor({ c: row.createdAt.toISOString(), i: row.id }),
    };
  }

  /** `userId`'s preferences (the defaults until they choose), for the user or an ADMIN. */
  async preferences(ctx: RequestContext, userId: string): Promise<Preferences> {
    requireSelfOrAdmin(ctx, userId);
    return (await this.store.preferencesOf(this.dataSource.manager, userId)) ?? DEFAULT_PREFERENCES;
  }

  /** Changes the signed-in user's preferences; fields left out (or null) keep their value. */
  async updatePreferences(ctx: RequestContext, change: Partial<Record<keyof Preferences, boolean | null>>): Promise<Preferences> {
    const viewer = requireViewer(ctx);
    return this.store.savePreferences(
      viewer.id,
      { orderUpdates: change.orderUpdates ?? undefined, productNews: change.productNews ?? undefined },
      DEFAULT_PREFERENCES,
    );
  }

  /**
   * ADMIN: sends a notification again as a new one (its own id and Message-ID, `resend_of` the
   * original), whatever the original's status. Secret mails (reset, verification) cannot be
   * resent: their token is not kept; the user asks for a new one.
   */
  async resend(ctx: RequestContext, id: string): Promise<boolean> {
    const admin = requireAdmin(ctx);
    const original = isUuid(id) ? await this.store.findById(id.toLowerCase()) : null;
    if (!original) throw new GraphQLError('No notification with this id', { extensions: { code: 'NOT_FOUND' } });
    if (SECRET_KINDS.has(original.kind))
      throw badUserInput(
        'A password-reset or verification email cannot be resent: its single-use token is not kept. The user asks for a new one.',
        ['id'],
      );
    if (!original.data) throw badUserInput('This notification kept no content to resend', ['id']);
    const resendId = randomUUID();
    await this.store.insert(this.dataSource.manager, {
      id: resendId,
      kind: original.kind,
      userId: original.userId,
      orderId: original.orderId,
      // The user's newest address when known (they may have changed it since), else the original's.
      recipient:
        (original.userId ? (await this.store.recipientsOf([original.userId])).get(original.userId)?.email : undefined) ??
        original.recipient,
      subject: original.subject,
      data: original.data,
      status: 'PENDING',
      sourceEventType: 'ResendRequested',
      resendOf: original.id,
    });
    this.log.info({ notificationId: original.id, resendId, adminId: admin.id }, 'notification resent by an ADMIN');
    this.options.onRecorded();
    return true;
  }
}
