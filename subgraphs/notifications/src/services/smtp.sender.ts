import nodemailer, { type Transporter } from 'nodemailer';
import type { NotificationsConfig } from '../config';
import type { RenderedMessage } from '../templates/templates';

/** One email to hand to the SMTP server. */
export interface OutgoingEmail extends RenderedMessage {
  to: string;
  /** The notification id: the Message-ID is `<id@MESSAGE_ID_DOMAIN>`, so a copy sent twice is recognisably the same message. */
  id: string;
}

/** Sends email; resolves once the server accepted the message (250 after DATA), rejects with nodemailer's error otherwise. */
export interface MailSender {
  send(email: OutgoingEmail): Promise<void>;
  /** Checks that the server answers (connect + EHLO [+ AUTH]). */
  verify(): Promise<void>;
  close(): void;
}

/** The Message-ID of a notification. */
export const messageIdOf = (id: string, domain: string) => `<${id}@${domain}>`;

/** An SMTP relay through nodemailer: one connection per message (no pool to go stale across a relay restart). */
export class SmtpSender implements MailSender {
  private readonly transport: Transporter;

  constructor(
    private readonly config: Pick<
      NotificationsConfig,
      | 'SMTP_HOST'
      | 'SMTP_PORT'
      | 'SMTP_SECURE'
      | 'SMTP_REQUIRE_TLS'
      | 'SMTP_USER'
      | 'SMTP_PASSWORD'
      | 'SMTP_TIMEOUT_MS'
      | 'MAIL_FROM'
      | 'MESSAGE_ID_DOMAIN'
    >,
  ) {
    this.transport = nodemailer.createTransport({
      host: config.SMTP_HOST,
      port: config.SMTP_PORT,
      secure: config.SMTP_SECURE,
      requireTLS: config.SMTP_REQUIRE_TLS,
      auth: config.SMTP_USER ? { user: config.SMTP_USER, pass: config.SMTP_PASSWORD } : undefined,
      connectionTimeout: config.SMTP_TIMEOUT_MS,
      greetingTimeout: config.SMTP_TIMEOUT_MS,
      socketTimeout: config.SMTP_TIMEOUT_MS,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(email: OutgoingEmail): Promise<void> {
    await this.transport.sendMail({
      from: this.config.MAIL_FROM,
      // An address object, not a string: nodemailer would split "a@x.com,b@y.com" into two recipients.
      to: { name: '', address: email.to },
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId: messageIdOf(email.id, this.config.MESSAGE_ID_DOMAIN),
      headers: { 'X-Shopgraph-Notification-Id': email.id },
    });
  }

  async verify(): Promise<void> {
    await this.transport.verify();
  }

  close(): void {
    this.transport.close();
  }
}
