import type { OrderSummary } from '@shopgraph/events';
import { NOTIFICATION_KINDS } from '../domain/notification-kind';
import type { DataOf } from '../domain/notification-data';
import { escapeHtml, markup, plain, safeUrl } from './html';
import { renderMessage, templates } from './templates';

const ctx = { name: 'Ann', baseUrl: 'https://shop.example.test/base', shopName: 'Shopgraph' };
const summary: OrderSummary = {
  number: 'SG-000042',
  currency: 'EUR',
  subtotal: 2000,
  total: 2500,
  lines: [{ productId: 'p1', name: 'Mug', unitPrice: 1000, quantity: 2 }],
  shippingAddress: { recipient: 'Ann', line1: 'Main St 1', line2: null, city: 'Berlin', region: null, postalCode: '10115', country: 'DE' },
};
const order = { orderId: 'o-1', status: 'CONFIRMED', reason: null, at: '2026-01-01T00:00:00.000Z', summary };
const samples: DataOf = {
  WELCOME: { name: 'Ann' },
  EMAIL_VERIFICATION: { name: 'Ann', token: 'abc+/=', expiresAt: '2026-01-08T00:00:00.000Z' },
  PASSWORD_RESET: { name: 'Ann', token: 'xyz', expiresAt: '2026-01-01T00:30:00.000Z' },
  PASSWORD_CHANGED: { name: 'Ann', via: 'RESET', at: '2026-01-01T00:00:00.000Z' },
  ORDER_CONFIRMED: order,
  ORDER_CANCELLED: { ...order, status: 'CANCELLED', reason: 'PAYMENT_DECLINED' },
  ORDER_SHIPPED: { ...order, status: 'SHIPPED' },
  ORDER_DELIVERED: { ...order, status: 'DELIVERED' },
  REFUND_ISSUED: { orderId: 'o-1', amount: { amount: 2500, currency: 'EUR' }, summary },
  RETURN_UPDATED: { orderId: 'o-1', returnId: 'r-1', status: 'RECEIVED', summary },
};

describe('templates', () => {
  it('has one template per NotificationKind, each rendering a subject, a text and an HTML body', () => {
    expect(Object.keys(templates).sort()).toEqual([...NOTIFICATION_KINDS].sort());
    for (const kind of NOTIFICATION_KINDS) {
      const message = renderMessage(kind, samples[kind] as never, ctx);
      expect(message.subject).not.toMatch(/[\r\n]/);
      expect(message.subject.length).toBeGreaterThan(5);
      expect(message.text).toContain('Hello Ann,');
      expect(message.html).toMatch(/^<!doctype html>/);
      expect(message.html).toContain('Hello Ann,');
    }
  });

  it('renders order lines, totals in the order currency, the address and a link on the base URL', () => {
    const message = renderMessage('ORDER_CONFIRMED', samples.ORDER_CONFIRMED, ctx);
    expect(message.subject).toBe('Your order SG-000042 is confirmed');
    expect(message.text).toContain('2 x Mug @ €10.00 = €20.00');
    expect(message.text).toContain('Total: €25.00');
    expect(message.text).toContain('  10115 Berlin\n  DE');
    expect(message.text).toContain('https://shop.example.test/base/orders/o-1');
    expect(message.html).toContain('href="https://shop.example.test/base/orders/o-1"');
  });

  it('puts tokens into links URL-encoded', () => {
    const message = renderMessage('EMAIL_VERIFICATION', samples.EMAIL_VERIFICATION, ctx);
    expect(message.text).toContain('https://shop.example.test/base/verify-email?token=abc%2B%2F%3D');
  });

  it('says why an order was cancelled', () => {
    expect(renderMessage('ORDER_CANCELLED', samples.ORDER_CANCELLED, ctx).text).toContain(
      'We cancelled order SG-000042 because the payment was declined.',
    );
    expect(renderMessage('ORDER_CANCELLED', { ...samples.ORDER_CANCELLED, reason: 'SOMETHING_NEW' }, ctx).text).toContain(
      'because it could not be completed.',
    );
  });

  it('renders an order mail without a summary (an event from before summaries)', () => {
    const message = renderMessage('ORDER_SHIPPED', { ...samples.ORDER_SHIPPED, summary: null }, ctx);
    expect(message.subject).toBe('Your order is on its way');
    expect(message.text).toContain('Good news: your order has shipped.');
  });

  it('escapes user-supplied strings in HTML and strips line breaks from subjects', () => {
    const evil = {
      ...summary,
      number: 'SG-1\r\nBcc: x@evil.test',
      lines: [{ productId: 'p', name: '<script>x</script>', unitPrice: 1, quantity: 1 }],
    };
    const message = renderMessage('ORDER_CONFIRMED', { ...order, summary: evil }, { ...ctx, name: '"><img src=x>' });
    expect(message.subject).toBe('Your order SG-1 Bcc: x@evil.test is confirmed');
    expect(message.html).not.toMatch(/<script>|<img src=x>/);
    expect(message.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(message.html).toContain('Hello &quot;&gt;&lt;img src=x&gt;,');
  });
});

describe('html helpers', () => {
  it('escapes interpolations but keeps nested html templates', () => {
    const inner = markup`<b>${'<i>'}</b>`;
    expect(markup`<p>${inner}${'&'}${null}${['<', markup`<br>`]}</p>`.value).toBe('<p><b>&lt;i&gt;</b>&amp;&lt;<br></p>');
    expect(escapeHtml(`'"\`<>&`)).toBe('&#39;&quot;&#96;&lt;&gt;&amp;');
  });

  it('lets only http(s) URLs into links', () => {
    expect(safeUrl('javascript:alert(1)')).toBe('#');
    expect(safeUrl('not a url')).toBe('#');
    expect(safeUrl('https://shop.example.test/a?b=1')).toBe('https://shop.example.test/a?b=1');
  });

  it('turns control characters into spaces in text lines', () => {
    expect(plain(' a\r\nb\u0000c\u2028d ')).toBe('a b c d');
  });
});

describe('the return mail', () => {
  it('says what happens next: the rejection reason (as text, escaped in HTML) or the amount being refunded', () => {
    const rejected = renderMessage('RETURN_UPDATED', { orderId: 'o-1', returnId: 'r-1', status: 'REJECTED', summary: null, rejectionReason: '<b>Worn</b>\r\nBcc: x' }, ctx);
    expect(rejected.subject).toBe('Your return for order: rejected');
    expect(rejected.text).toContain('Why: <b>Worn</b> Bcc: x');
    expect(rejected.text).not.toMatch(/Worn<\/b>\r?\n/);
    expect(rejected.html).toContain('Why: &lt;b&gt;Worn&lt;/b&gt;');
    const received = renderMessage('RETURN_UPDATED', { orderId: 'o-1', returnId: 'r-1', status: 'RECEIVED', summary: null, refundAmount: { amount: 2430, currency: 'USD' } }, ctx);
    expect(received.text).toContain('We received the items and are refunding $24.30.');
    expect(received.html).toContain('are refunding $24.30.');
  });
});
