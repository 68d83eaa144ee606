import { money } from '@shopgraph/kit';
import type { OrderSummary } from '@shopgraph/events';
import type { DataOf, OrderData } from '../domain/notification-data';
import type { NotificationKind } from '../domain/notification-kind';
import { markup, plain, safeUrl, type SafeHtml } from './html';

/** What every template gets besides its data. */
export interface TemplateContext {
  /** The recipient's name ('' when unknown). */
  name: string;
  /** Base URL of the storefront; links are built on it (PUBLIC_BASE_URL). */
  baseUrl: string;
  shopName: string;
}

/** One kind's message: subject, plain-text and HTML bodies. */
export interface Template<D> {
  subject(data: D, ctx: TemplateContext): string;
  text(data: D, ctx: TemplateContext): string;
  html(data: D, ctx: TemplateContext): SafeHtml;
}

const link = (ctx: TemplateContext, path: string, query: Record<string, string> = {}) => {
  const url = new URL(path.replace(/^\//, ''), ctx.baseUrl.endsWith('/') ? ctx.baseUrl : `${ctx.baseUrl}/`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
};
const orderLink = (ctx: TemplateContext, orderId: string) => link(ctx, `/orders/${encodeURIComponent(orderId)}`);
const greeting = (ctx: TemplateContext) => (ctx.name ? `Hello ${plain(ctx.name)},` : 'Hello,');
const price = (amount: number, currency: string) => money(amount, currency).formatted;
const orderName = (data: { orderId: string; summary: OrderSummary | null }) =>
  data.summary ? `order ${plain(data.summary.number)}` : 'your order';
const expires = (iso: string) => new Date(iso).toUTCString();
/** What a return mail says beyond its status: why it was rejected, what will be refunded, what to do next. */
const returnNote = (d: DataOf['RETURN_UPDATED']): string[] => {
  switch (d.status) {
    case 'REQUESTED':
      return ['We have your request and will let you know once it is reviewed.'];
    case 'APPROVED':
      return ['Please send the items back to us; we refund them once they arrive.'];
    case 'REJECTED':
      return [d.rejectionReason ? `Why: ${d.rejectionReason}` : 'Please contact us if you have questions.'];
    case 'RECEIVED':
      return [d.refundAmount ? `We received the items and are refunding ${price(d.refundAmount.amount, d.refundAmount.currency)}.` : 'We received the items.'];
    default:
      return [];
  }
};

function layout(ctx: TemplateContext, title: string, body: SafeHtml, action?: { label: string; url: string }): SafeHtml {
  return markup`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head>
<body style="margin:0;background:#f4f4f5;font-family:Helvetica,Arial,sans-serif;color:#18181b">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:8px;padding:32px">
<tr><td><h1 style="font-size:20px;margin:0 0 16px">${ctx.shopName}</h1>
<p>${greeting(ctx)}</p>
${body}
${action ? markup`<p style="margin:24px 0"><a href="${safeUrl(action.url)}" style="background:#2563eb;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none">${action.label}</a></p><p style="font-size:12px;color:#71717a">Or open this link: ${safeUrl(action.url)}</p>` : ''}
<p style="font-size:12px;color:#71717a;margin-top:32px">This message was sent by ${ctx.shopName}.</p>
</td></tr></table></td></tr></table></body></html>`;
}

const textLayout = (ctx: TemplateContext, lines: string[]) => [greeting(ctx), '', ...lines, '', `— ${ctx.shopName}`, ''].join('\n');

function addressLines(summary: OrderSummary): string[] {
  const a = summary.shippingAddress;
  return [a.recipient, a.line1, a.line2, [a.postalCode, a.city].filter(Boolean).join(' '), a.region, a.country]
    .filter((l): l is string => !!l)
    .map(plain);
}

function orderText(summary: OrderSummary | null): string[] {
  if (!summary) return [];
  const lines = summary.lines.map(
    (l) =>
      `  ${l.quantity} x ${plain(l.name)} @ ${price(l.unitPrice, summary.currency)} = ${price(l.unitPrice * l.quantity, summary.currency)}`,
  );
  return [
    `Order ${plain(summary.number)}`,
    ...lines,
    `  Subtotal: ${price(summary.subtotal, summary.currency)}`,
    `  Total: ${price(summary.total, summary.currency)}`,
    '',
    'Shipping to:',
    ...addressLines(summary).map((l) => `  ${l}`),
  ];
}

function orderHtml(summary: OrderSummary | null): SafeHtml {
  if (!summary) return markup``;
  const rows = summary.lines.map(
    (l) =>
      markup`<tr><td style="padding:4px 0">${l.name}</td><td align="right">${l.quantity}</td><td align="right">${price(l.unitPrice, summary.currency)}</td><td align="right">${price(l.unitPrice * l.quantity, summary.currency)}</td></tr>`,
  );
  return markup`<h2 style="font-size:16px">Order ${summary.number}</h2>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse">
<thead><tr><th align="left">Item</th><th align="right">Qty</th><th align="right">Price</th><th align="right">Amount</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><td colspan="3" align="right">Subtotal</td><td align="right">${price(summary.subtotal, summary.currency)}</td></tr>
<tr><td colspan="3" align="right"><strong>Total</strong></td><td align="right"><strong>${price(summary.total, summary.currency)}</strong></td></tr></tfoot>
</table>
<h3 style="font-size:14px">Shipping to</h3>
<p>${addressLines(summary).map((l, i) => (i === 0 ? markup`${l}` : markup`<br>${l}`))}</p>`;
}

const CANCELLATION_TEXT: Record<string, string> = {
  OUT_OF_STOCK: 'some items were out of stock',
  PAYMENT_DECLINED: 'the payment was declined',
  PAYMENT_FAILED: 'the payment could not be processed',
  CUSTOMER_REQUEST: 'you asked us to cancel it',
  ADMIN: 'the shop cancelled it',
  TIMED_OUT: 'it could not be completed in time',
};

/** A template for an order status mail: a sentence, then the order. */
function orderTemplate(subject: (d: OrderData) => string, sentence: (d: OrderData) => string): Template<OrderData> {
  return {
    subject: (d) => subject(d),
    text: (d, ctx) => textLayout(ctx, [sentence(d), '', ...orderText(d.summary), '', `View your order: ${orderLink(ctx, d.orderId)}`]),
    html: (d, ctx) =>
      layout(ctx, subject(d), markup`<p>${sentence(d)}</p>${orderHtml(d.summary)}`, {
        label: 'View your order',
        url: orderLink(ctx, d.orderId),
      }),
  };
}

const number = (d: { summary: OrderSummary | null }) => (d.summary ? ` ${plain(d.summary.number)}` : '');

/** One template per NotificationKind; the type makes a missing one a compile error. */
export const templates: { [K in NotificationKind]: Template<DataOf[K]> } = {
  WELCOME: {
    subject: (_d, ctx) => `Welcome to ${ctx.shopName}`,
    text: (_d, ctx) => textLayout(ctx, [`Thanks for creating your ${ctx.shopName} account.`, '', `Start shopping: ${link(ctx, '/')}`]),
    html: (_d, ctx) =>
      layout(ctx, `Welcome to ${ctx.shopName}`, markup`<p>Thanks for creating your ${ctx.shopName} account.</p>`, {
        label: 'Start shopping',
        url: link(ctx, '/'),
      }),
  },
  EMAIL_VERIFICATION: {
    subject: () => 'Confirm your email address',
    text: (d, ctx) =>
      textLayout(ctx, [
        'Please confirm your email address by opening this link:',
        link(ctx, '/verify-email', { token: d.token }),
        '',
        `The link works once and expires on ${expires(d.expiresAt)}.`,
      ]),
    html: (d, ctx) =>
      layout(
        ctx,
        'Confirm your email address',
        markup`<p>Please confirm your email address.</p><p>The link works once and expires on ${expires(d.expiresAt)}.</p>`,
        {
          label: 'Confirm email address',
          url: link(ctx, '/verify-email', { token: d.token }),
        },
      ),
  },
  PASSWORD_RESET: {
    subject: () => 'Reset your password',
    text: (d, ctx) =>
      textLayout(ctx, [
        'Someone (hopefully you) asked to reset your password. Open this link to choose a new one:',
        link(ctx, '/reset-password', { token: d.token }),
        '',
        `The link works once and expires on ${expires(d.expiresAt)}. If you did not ask for this, ignore this message: your password stays as it is.`,
      ]),
    html: (d, ctx) =>
      layout(
        ctx,
        'Reset your password',
        markup`<p>Someone (hopefully you) asked to reset your password.</p><p>The link works once and expires on ${expires(d.expiresAt)}. If you did not ask for this, ignore this message: your password stays as it is.</p>`,
        { label: 'Choose a new password', url: link(ctx, '/reset-password', { token: d.token }) },
      ),
  },
  PASSWORD_CHANGED: {
    subject: () => 'Your password was changed',
    text: (d, ctx) =>
      textLayout(ctx, [
        `Your password was ${d.via === 'RESET' ? 'reset with an emailed link' : 'changed'} on ${new Date(d.at).toUTCString()}. Every other session was signed out.`,
        '',
        `If this was not you, reset your password now: ${link(ctx, '/forgot-password')}`,
      ]),
    html: (d, ctx) =>
      layout(
        ctx,
        'Your password was changed',
        markup`<p>Your password was ${d.via === 'RESET' ? 'reset with an emailed link' : 'changed'} on ${new Date(d.at).toUTCString()}. Every other session was signed out.</p><p>If this was not you, reset your password now.</p>`,
        { label: 'Reset password', url: link(ctx, '/forgot-password') },
      ),
  },
  ORDER_CONFIRMED: orderTemplate(
    (d) => `Your order${number(d)} is confirmed`,
    () => 'Thank you for your order. We have received your payment and are preparing your parcel.',
  ),
  ORDER_CANCELLED: orderTemplate(
    (d) => `Your order${number(d)} was cancelled`,
    (d) =>
      `We cancelled ${orderName(d)} because ${CANCELLATION_TEXT[d.reason ?? ''] ?? 'it could not be completed'}. You have not been charged for it, or any charge is being refunded.`,
  ),
  ORDER_SHIPPED: orderTemplate(
    (d) => `Your order${number(d)} is on its way`,
    (d) => `Good news: ${orderName(d)} has shipped.`,
  ),
  ORDER_DELIVERED: orderTemplate(
    (d) => `Your order${number(d)} was delivered`,
    (d) => `${orderName(d).replace(/^./, (c) => c.toUpperCase())} was delivered. We hope you enjoy it.`,
  ),
  REFUND_ISSUED: {
    subject: (d) => `Refund of ${price(d.amount.amount, d.amount.currency)} for your order${number(d)}`,
    text: (d, ctx) =>
      textLayout(ctx, [
        `We refunded ${price(d.amount.amount, d.amount.currency)} for ${orderName(d)} to your original payment method. It can take a few days to appear on your statement.`,
        '',
        ...orderText(d.summary),
        '',
        `View your order: ${orderLink(ctx, d.orderId)}`,
      ]),
    html: (d, ctx) =>
      layout(
        ctx,
        'Your refund',
        markup`<p>We refunded <strong>${price(d.amount.amount, d.amount.currency)}</strong> for ${orderName(d)} to your original payment method. It can take a few days to appear on your statement.</p>${orderHtml(d.summary)}`,
        { label: 'View your order', url: orderLink(ctx, d.orderId) },
      ),
  },
  RETURN_UPDATED: {
    subject: (d) => `Your return for order${number(d)}: ${plain(d.status).toLowerCase()}`,
    text: (d, ctx) =>
      textLayout(ctx, [
        `Your return for ${orderName(d)} is now ${plain(d.status).toLowerCase()}.`,
        ...returnNote(d).map(plain),
        '',
        `View your order: ${orderLink(ctx, d.orderId)}`,
      ]),
    html: (d, ctx) =>
      layout(
        ctx,
        'Your return',
        markup`<p>Your return for ${orderName(d)} is now ${d.status.toLowerCase()}.</p>${returnNote(d).map((line) => markup`<p>${line}</p>`)}`,
        { label: 'View your order', url: orderLink(ctx, d.orderId) },
      ),
  },
};

/** A rendered message. */
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

/** Renders `kind` with its data: subject (one line, no control characters), text and HTML. */
export function renderMessage<K extends NotificationKind>(kind: K, data: DataOf[K], ctx: TemplateContext): RenderedMessage {
  const template = templates[kind] as Template<DataOf[K]>;
  return { subject: plain(template.subject(data, ctx)), text: template.text(data, ctx), html: template.html(data, ctx).value };
}
