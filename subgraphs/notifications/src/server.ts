import 'reflect-metadata';
import type { EventEnvelope } from '@shopgraph/events';
import { defineSubgraph, type ServiceOf } from '@shopgraph/service';
import { notificationsConfigSchema } from './config';
import type { NotificationsContext } from './context';
import { migrations } from './migrations';
import { buildNotificationsSchema } from './schema';
import { Dispatcher } from './services/dispatcher';
import { createNotificationMetrics } from './services/notification.metrics';
import { NotificationService } from './services/notification.service';
import { SmtpSender, type MailSender } from './services/smtp.sender';
import { NotificationStore } from './stores/notification.store';

export { loadNotificationsConfig, notificationsConfigSchema, type NotificationsConfig } from './config';
export { messageIdOf, SmtpSender, type MailSender } from './services/smtp.sender';
export { renderMessage, templates } from './templates/templates';

/**
 * The notifications subgraph: consumes users.v1, orders.v1 and payments.v1, records one
 * notification per event (with the event's inbox row), and sends it over SMTP from the
 * dispatcher (retries with backoff, FAILED after SEND_MAX_ATTEMPTS, reconcile of sends a dead
 * process left in flight). Its API: User.notifications, User.notificationPreferences,
 * updateNotificationPreferences, resendNotification (ADMIN).
 */
export const notificationsSubgraph = defineSubgraph({
  name: 'notifications',
  config: notificationsConfigSchema,
  schema: buildNotificationsSchema,
  stores: { postgres: { entities: [], migrations } },
  wire: ({ config, dataSource, metrics, log }) => {
    const store = new NotificationStore(dataSource);
    const notificationMetrics = createNotificationMetrics(metrics);
    const template = { baseUrl: config.PUBLIC_BASE_URL, shopName: config.SHOP_NAME };
    const sender: MailSender = new SmtpSender(config);
    const dispatcher = new Dispatcher({
      store,
      sender,
      metrics: notificationMetrics,
      log,
      retry: { maxAttempts: config.SEND_MAX_ATTEMPTS, baseMs: config.SEND_BACKOFF_BASE_MS, maxMs: config.SEND_BACKOFF_MAX_MS },
      leaseMs: config.SEND_LEASE_MS,
      concurrency: config.SEND_CONCURRENCY,
      intervalMs: config.DISPATCH_INTERVAL_MS,
      recipientWaitMs: config.RECIPIENT_WAIT_MS,
      template,
    });
    const notifications = new NotificationService(dataSource, store, notificationMetrics, log, {
      eventMaxAgeMs: config.EVENT_MAX_AGE_MS,
      template,
      onRecorded: () => dispatcher.wake(),
    });
    return { store, dispatcher, notifications, sender };
  },
  consumers: ({ notifications }) => {
    const handle = (event: EventEnvelope) => notifications.handle(event);
    return {
      // The history of users.v1 teaches every address (KAFKA_FROM_BEGINNING); its old events send nothing (EVENT_MAX_AGE_MS).
      users: {
        topics: ['users'],
        fromBeginning: true,
        handlers: { UserRegistered: handle, EmailVerificationRequested: handle, PasswordResetRequested: handle, PasswordChanged: handle },
      },
      // Orders and refunds from now on: a brand-new group must never mail the whole order history.
      orders: { topics: ['orders'], handlers: { OrderStatusChanged: handle, ReturnUpdated: handle } },
      payments: { topics: ['payments'], handlers: { PaymentRefunded: handle } },
    };
  },
  // The dispatcher sends only in processes that handle events (an API-only replica with CONSUMERS empty sends nothing).
  // Stopped in reverse: the dispatcher first (it waits for the sends in progress to be recorded), then the SMTP transport.
  tasks: ({ dispatcher, sender, config }) => [
    { start: () => undefined, stop: () => sender.close() },
    config.CONSUMERS.length > 0 ? dispatcher : { start: () => undefined, stop: () => undefined },
  ],
  context: (base, { notifications }): NotificationsContext => ({ ...base, services: { notifications } }),
});

/** A created (opened, not yet started) notifications subgraph. */
export type NotificationsService = ServiceOf<typeof notificationsSubgraph>;
