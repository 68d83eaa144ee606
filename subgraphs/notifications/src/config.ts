import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@shopgraph/kit';
import { flag, kafkaConfig } from '@shopgraph/service';

/** The streams this subgraph consumes (CONSUMERS selects among them). */
export const NOTIFICATION_CONSUMERS = ['users', 'orders', 'payments'] as const;
const millis = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Every environment variable the notifications subgraph reads, with working local defaults (Mailpit on 1025). */
export const notificationsConfigSchema = baseConfigSchema
  .extend({
    PORT: port(4007),
    DATABASE_URL: z.string().url().default('postgres://shopgraph:shopgraph@127.0.0.1:5432/notifications'),
    /**
     * KAFKA_BROKERS, KAFKA_GROUP_ID (default notifications), KAFKA_FROM_BEGINNING (default true: a
     * brand-new group reads users.v1 from its beginning to learn every address; old events send
     * nothing, see EVENT_MAX_AGE_MS; orders.v1 and payments.v1 always start at the newest offset,
     * so a new group never mails old orders) and CONSUMERS (users, orders, payments; empty = an
     * API-only replica that handles no events).
     */
    ...kafkaConfig({ groupId: 'notifications', consumers: NOTIFICATION_CONSUMERS }),
    SMTP_HOST: z.string().min(1).default('127.0.0.1'),
    SMTP_PORT: port(1025),
    /** true: implicit TLS from the first byte (port 465). false: plain, upgraded with STARTTLS when the server offers it. */
    SMTP_SECURE: flag(false),
    /** true: refuse to send unless the connection is upgraded with STARTTLS (set it for a relay across a network). */
    SMTP_REQUIRE_TLS: flag(false),
    /** Credentials for SMTP AUTH (both or neither; in k8s from a Secret). */
    SMTP_USER: z.string().default(''),
    SMTP_PASSWORD: z.string().default(''),
    /** Connection, greeting and socket timeout of one SMTP exchange. */
    SMTP_TIMEOUT_MS: millis(10_000),
    /** The From header. */
    MAIL_FROM: z.string().min(3).default('Shopgraph <no-reply@shopgraph.local>'),
    /** Right-hand side of every Message-ID: <notification id @ this>. */
    MESSAGE_ID_DOMAIN: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/)
      .default('shopgraph.local'),
    /** Base URL of the storefront that links in emails point to (order pages, reset and verification links). */
    PUBLIC_BASE_URL: z.string().url().default('http://localhost:5173'),
    /** The shop's name in subjects and signatures. */
    SHOP_NAME: z.string().min(1).default('Shopgraph'),
    /** SMTP attempts in all before a notification is FAILED (an ADMIN can resend it). */
    SEND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    /** Backoff between attempts: base * 2^(n-1), capped, half of it random. */
    SEND_BACKOFF_BASE_MS: millis(2_000),
    SEND_BACKOFF_MAX_MS: millis(300_000),
    /**
     * How long one process owns a notification it is sending. A process that dies mid-send leaves
     * it PENDING; after the lease any replica (or the restarted one) sends it again. Must exceed
     * one whole SMTP exchange (3 x SMTP_TIMEOUT_MS).
     */
    SEND_LEASE_MS: millis(60_000),
    /** How many emails one process sends at once. */
    SEND_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
    /** The safety-net scan (new notifications are sent at once, retries and expired leases when due; this catches the rest, e.g. rows another replica recorded). */
    DISPATCH_INTERVAL_MS: millis(5_000),
    /** An order or refund mail whose customer's address is still unknown after this is FAILED. */
    RECIPIENT_WAIT_MS: millis(600_000),
    /** Events older than this send nothing (a replayed history only teaches addresses). */
    EVENT_MAX_AGE_MS: millis(86_400_000),
  })
  .refine((c) => c.SEND_LEASE_MS > 3 * c.SMTP_TIMEOUT_MS, {
    message: 'SEND_LEASE_MS must exceed 3 x SMTP_TIMEOUT_MS (one whole SMTP exchange)',
    path: ['SEND_LEASE_MS'],
  })
  .refine((c) => (c.SMTP_USER === '') === (c.SMTP_PASSWORD === ''), {
    message: 'set both SMTP_USER and SMTP_PASSWORD, or neither',
    path: ['SMTP_USER'],
  });

export type NotificationsConfig = z.infer<typeof notificationsConfigSchema>;

/** Reads and validates the notifications subgraph's configuration from `env`. */
export function loadNotificationsConfig(env: NodeJS.ProcessEnv = process.env): NotificationsConfig {
  return loadConfig(notificationsConfigSchema, env);
}
