import { randomUUID } from 'node:crypto';
import {
  event,
  HISTORY,
  newUser,
  orderStatus,
  orderSummary,
  startNotificationsHarness,
  type NotificationsHarness,
} from './fixtures/notifications-harness';
import { mailsTo, waitForMails } from './fixtures/mailpit';

jest.setTimeout(60_000);

let h: NotificationsHarness;
beforeAll(async () => {
  h = await startNotificationsHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** Registers `user` as users would announce it (UserRegistered). */
async function register(user: { userId: string; email: string; name: string }) {
  const registered = event('UserRegistered', user.userId, user, 'users');
  await h.publish(registered);
  await waitForMails(user.email, 1);
  return registered;
}

describe('account emails', () => {
  it('sends a welcome mail and a verification mail whose link carries the token on the configured base URL', async () => {
    const user = newUser('Ann Example');
    const registered = event('UserRegistered', user.userId, user, 'users');
    const token = `tok_${randomUUID()}`;
    const verification = event(
      'EmailVerificationRequested',
      user.userId,
      { ...user, token, expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString() },
      'users',
    );
    await h.publish(registered, verification);

    const mails = await waitForMails(user.email, 2);
    const welcome = mails.find((m) => m.Subject === 'Welcome to Shopgraph')!;
    const verify = mails.find((m) => m.Subject === 'Confirm your email address')!;
    expect(welcome.Text).toContain('Hello Ann Example,');
    expect(welcome.MessageID).toBe(`${registered.id}@shopgraph.local`);
    expect(verify.MessageID).toBe(`${verification.id}@shopgraph.local`);
    const link = `https://shop.example.test/verify-email?token=${token}`;
    expect(verify.Text).toContain(link);
    expect(verify.HTML).toContain(`href="${link}"`);

    // The history: the user sees both, SENT, newest first; the token is not kept once sent.
    const own = await h.call(HISTORY, { id: user.userId }, { id: user.userId, role: 'CUSTOMER' });
    const history = own.body.data!._entities[0].notifications;
    expect(history.totalCount).toBe(2);
    expect(history.edges.map((e: any) => e.node.kind).sort()).toEqual(['EMAIL_VERIFICATION', 'WELCOME']);
    expect(
      history.edges.every(
        (e: any) => e.node.status === 'SENT' && e.node.recipient === user.email && e.node.sentAt && e.node.attempts === 1,
      ),
    ).toBe(true);
    const [stored] = await h.sql('SELECT data FROM notifications WHERE id = $1', [verification.id]);
    expect(stored.data).toBeNull();
  });

  it("shows a user's history to the user and an ADMIN only, page by page", async () => {
    const user = newUser();
    await register(user);
    await h.publish(event('PasswordChanged', user.userId, { ...user, via: 'CHANGE', at: new Date().toISOString() }, 'users'));
    await waitForMails(user.email, 2);

    const other = await h.call(HISTORY, { id: user.userId }, { id: randomUUID(), role: 'CUSTOMER' });
    expect(other.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await h.call(HISTORY, { id: user.userId }, null);
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const admin = { id: randomUUID(), role: 'ADMIN' as const };
    const first = await h.call(HISTORY, { id: user.userId, first: 1 }, admin);
    const page1 = first.body.data!._entities[0].notifications;
    expect(page1.totalCount).toBe(2);
    expect(page1.edges.map((e: any) => e.node.kind)).toEqual(['PASSWORD_CHANGED']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await h.call(HISTORY, { id: user.userId, first: 1, after: page1.pageInfo.endCursor }, admin);
    const page2 = second.body.data!._entities[0].notifications;
    expect(page2.edges.map((e: any) => e.node.kind)).toEqual(['WELCOME']);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    const forged = await h.call(HISTORY, { id: user.userId, after: 'not-a-cursor' }, admin);
    expect(forged.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await h.call(HISTORY, { id: user.userId, first: 1000 }, admin);
    expect(tooMany.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('order emails', () => {
  it('confirms an order with its lines, totals, address and a link to it', async () => {
    const user = newUser('Ann Example');
    await register(user);
    const orderId = randomUUID();
    const summary = orderSummary();
    const confirmed = orderStatus(orderId, user.userId, 'CONFIRMED', 'AWAITING_PAYMENT', 3, summary);
    await h.publish(orderStatus(orderId, user.userId, 'AWAITING_PAYMENT', 'PENDING', 2, summary), confirmed);

    const mails = await waitForMails(user.email, 2);
    const mail = mails.find((m) => m.Subject === `Your order ${summary.number} is confirmed`)!;
    expect(mail).toBeDefined();
    expect(mail.MessageID).toBe(`${confirmed.id}@shopgraph.local`);
    expect(mail.Text).toContain('2 x Walnut Desk Lamp @ $49.50 = $99.00');
    expect(mail.Text).toContain('1 x Linen Throw @ $30.00 = $30.00');
    expect(mail.Text).toContain('Subtotal: $129.00');
    expect(mail.Text).toContain('Total: $134.99');
    expect(mail.Text).toMatch(/Shipping to:\n {2}Ann Example\n {2}1 Main Street\n {2}Flat 2\n {2}62701 Springfield\n {2}IL\n {2}US/);
    expect(mail.Text).toContain(`https://shop.example.test/orders/${orderId}`);
    expect(mail.HTML).toContain(
      '<td style="padding:4px 0">Walnut Desk Lamp</td><td align="right">2</td><td align="right">$49.50</td><td align="right">$99.00</td>',
    );
    expect(mail.HTML).toContain('<strong>$134.99</strong>');
    // Intermediate statuses send nothing: the welcome mail and the confirmation only.
    expect(await mailsTo(user.email)).toHaveLength(2);
  });

  it('tells the customer of a declined payment that the order was cancelled', async () => {
    const user = newUser();
    await register(user);
    const orderId = randomUUID();
    const summary = orderSummary();
    await h.publish(orderStatus(orderId, user.userId, 'CANCELLED', 'AWAITING_PAYMENT', 3, summary, 'PAYMENT_DECLINED'));
    const mails = await waitForMails(user.email, 2);
    const mail = mails.find((m) => m.Subject === `Your order ${summary.number} was cancelled`)!;
    expect(mail.Text).toContain(`We cancelled order ${summary.number} because the payment was declined.`);
    expect(mail.Text).toContain('Total: $134.99');
  });

  it('sends a refund mail for a refund of a known order, with the amount refunded', async () => {
    const user = newUser();
    await register(user);
    const orderId = randomUUID();
    const summary = orderSummary();
    await h.publish(orderStatus(orderId, user.userId, 'CANCELLED', 'CONFIRMED', 4, summary, 'CUSTOMER_REQUEST'));
    await waitForMails(user.email, 2);
    const refund = event(
      'PaymentRefunded',
      orderId,
      { orderId, paymentId: randomUUID(), amount: { amount: 13499, currency: 'USD' } },
      'payments',
    );
    await h.publish(refund);
    const mails = await waitForMails(user.email, 3);
    const mail = mails.find((m) => m.MessageID === `${refund.id}@shopgraph.local`)!;
    expect(mail.Subject).toBe(`Refund of $134.99 for your order ${summary.number}`);
    expect(mail.Text).toContain(`We refunded $134.99 for order ${summary.number} to your original payment method.`);
    expect(mail.HTML).toContain('<strong>$134.99</strong>');
  });

  it("sends an order mail once the customer's address becomes known (UserRegistered arriving after the order)", async () => {
    const user = newUser();
    const orderId = randomUUID();
    const confirmed = orderStatus(orderId, user.userId, 'CONFIRMED', 'AWAITING_PAYMENT', 3, orderSummary());
    await h.publish(confirmed);
    const waiting = await h.waitForStatus(confirmed.id, 'PENDING');
    expect(waiting.recipient).toBeNull();
    await h.publish(event('UserRegistered', user.userId, user, 'users'));
    await waitForMails(user.email, 2);
    expect((await h.waitForStatus(confirmed.id, 'SENT')).recipient).toBe(user.email);
  });

  it("mails a guest order's confirmation to the address it was placed with (its customer is a guest record no users.v1 event names)", async () => {
    const guest = newUser('Gail Guest');
    const orderId = randomUUID();
    const summary = orderSummary();
    const confirmed = { ...orderStatus(orderId, guest.userId, 'CONFIRMED', 'AWAITING_PAYMENT', 3, summary) };
    confirmed.payload = { ...confirmed.payload, email: guest.email };
    await h.publish(confirmed);
    const [mail] = await waitForMails(guest.email, 1);
    expect(mail.Subject).toBe(`Your order ${summary.number} is confirmed`);
    expect((await h.waitForStatus(confirmed.id, 'SENT')).recipient).toBe(guest.email);
  });

  it('escapes markup in names and addresses: it shows as text, never as HTML', async () => {
    const user = newUser('<script>alert("name")</script>');
    await register(user);
    const orderId = randomUUID();
    const summary = orderSummary({
      lines: [{ productId: 'p-x', name: '<img src=x onerror=alert(1)>', unitPrice: 100, quantity: 1 }],
      shippingAddress: {
        recipient: '<b>Eve</b>',
        line1: '"><a href="javascript:alert(2)">click</a>',
        line2: null,
        city: 'Town & Country',
        region: null,
        postalCode: '1',
        country: 'US',
      },
    });
    await h.publish(orderStatus(orderId, user.userId, 'CONFIRMED', 'AWAITING_PAYMENT', 3, summary));
    const mails = await waitForMails(user.email, 2);
    for (const mail of mails) {
      expect(mail.HTML).not.toContain('<script>');
      expect(mail.HTML).toContain('Hello &lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;,');
    }
    const confirmation = mails.find((m) => m.Subject.includes('confirmed'))!;
    expect(confirmation.HTML).not.toMatch(/<img|<b>Eve|<a href="javascript/);
    expect(confirmation.HTML).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(confirmation.HTML).toContain('&lt;b&gt;Eve&lt;/b&gt;');
    expect(confirmation.HTML).toContain('&quot;&gt;&lt;a href=&quot;javascript:alert(2)&quot;&gt;click&lt;/a&gt;');
    expect(confirmation.HTML).toContain('Town &amp; Country');
    // The plain-text part carries them as the text they are.
    expect(confirmation.Text).toContain('<b>Eve</b>');
  });
});

describe('exactly one email per event', () => {
  it('sends one mail for an event delivered three times', async () => {
    const user = newUser();
    await register(user);
    const orderId = randomUUID();
    const confirmed = orderStatus(orderId, user.userId, 'CONFIRMED', 'AWAITING_PAYMENT', 3, orderSummary());
    await h.publish(confirmed);
    await h.publish(confirmed);
    await h.publish(confirmed);
    // A later event of the same order (same partition, so handled after the repeats) marks the point where every repeat was handled.
    const shipped = orderStatus(orderId, user.userId, 'SHIPPED', 'CONFIRMED', 4, orderSummary());
    await h.publish(shipped);
    await h.waitForStatus(shipped.id, 'SENT');
    const mails = await mailsTo(user.email);
    expect(mails.filter((m) => m.MessageID === `${confirmed.id}@shopgraph.local`)).toHaveLength(1);
    expect(mails).toHaveLength(3); // welcome, confirmed, shipped
    const [row] = await h.sql('SELECT attempts, status FROM notifications WHERE id = $1', [confirmed.id]);
    expect(row).toEqual({ attempts: 1, status: 'SENT' });
  });
});

describe('SMTP outages', () => {
  afterEach(() => {
    h.proxy.mode = 'pass';
  });

  it('retries while the SMTP server is away, then sends once when it is back', async () => {
    const user = newUser();
    await register(user);
    h.proxy.mode = 'down';
    const orderId = randomUUID();
    const confirmed = orderStatus(orderId, user.userId, 'CONFIRMED', 'AWAITING_PAYMENT', 3, orderSummary());
    await h.publish(confirmed);
    // At least two failed attempts while it is down; still PENDING (SEND_MAX_ATTEMPTS is 5).
    const retrying = await h.waitForStatus(confirmed.id, 'PENDING');
    for (let i = 0; i < 100; i++) {
      const [row] = await h.sql('SELECT attempts, status, last_error FROM notifications WHERE id = $1', [confirmed.id]);
      if (row.attempts >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const [during] = await h.sql('SELECT attempts, status, last_error FROM notifications WHERE id = $1', [confirmed.id]);
    expect(retrying.status).toBe('PENDING');
    expect(during.status).toBe('PENDING');
    expect(during.attempts).toBeGreaterThanOrEqual(2);
    expect(during.last_error).toMatch(/socket close|ECONNRESET|ECONNREFUSED/);
    expect(await mailsTo(user.email)).toHaveLength(1);

    h.proxy.mode = 'pass';
    const sent = await h.waitForStatus(confirmed.id, 'SENT', 20_000);
    expect(sent.attempts).toBeGreaterThanOrEqual(3);
    const mails = await waitForMails(user.email, 2);
    expect(mails.filter((m) => m.MessageID === `${confirmed.id}@shopgraph.local`)).toHaveLength(1);
  });

  it('gives up after SEND_MAX_ATTEMPTS (FAILED), and an ADMIN can resend it', async () => {
    const user = newUser();
    await register(user);
    h.proxy.mode = 'down';
    const orderId = randomUUID();
    const cancelled = orderStatus(orderId, user.userId, 'CANCELLED', 'AWAITING_PAYMENT', 3, orderSummary(), 'OUT_OF_STOCK');
    await h.publish(cancelled);
    const failed = await h.waitForStatus(cancelled.id, 'FAILED', 30_000);
    expect(failed.attempts).toBe(5);
    h.proxy.mode = 'pass';

    const RESEND = 'mutation ($id: ID!) { resendNotification(id: $id) }';
    const customer = await h.call(RESEND, { id: cancelled.id }, { id: user.userId, role: 'CUSTOMER' });
    expect(customer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unknown = await h.call(RESEND, { id: randomUUID() }, { id: randomUUID(), role: 'ADMIN' });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const malformed = await h.call(RESEND, { id: 'nope' }, { id: randomUUID(), role: 'ADMIN' });
    expect(malformed.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const resent = await h.call(RESEND, { id: cancelled.id }, { id: randomUUID(), role: 'ADMIN' });
    expect(resent.body).toEqual({ data: { resendNotification: true } });
    const mails = await waitForMails(user.email, 2);
    expect(mails.find((m) => m.Subject.includes('was cancelled'))!.Text).toContain('because some items were out of stock');
    const history = (await h.call(HISTORY, { id: user.userId }, { id: user.userId, role: 'CUSTOMER' })).body.data!._entities[0]
      .notifications;
    expect(history.edges.map((e: any) => [e.node.kind, e.node.status])).toEqual([
      ['ORDER_CANCELLED', 'SENT'],
      ['ORDER_CANCELLED', 'FAILED'],
      ['WELCOME', 'SENT'],
    ]);
  });

  it('refuses to resend a password-reset mail (its token is not kept)', async () => {
    const user = newUser();
    const reset = event(
      'PasswordResetRequested',
      user.userId,
      { ...user, token: 'tok_reset', expiresAt: new Date(Date.now() + 1_800_000).toISOString() },
      'users',
    );
    await h.publish(reset);
    const [mail] = await waitForMails(user.email, 1);
    expect(mail!.Text).toContain('https://shop.example.test/reset-password?token=tok_reset');
    const resent = await h.call(
      'mutation ($id: ID!) { resendNotification(id: $id) }',
      { id: reset.id },
      { id: randomUUID(), role: 'ADMIN' },
    );
    expect(resent.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('expired links', () => {
  it('sends no reset mail for a request whose token expired before it was handled', async () => {
    const user = newUser();
    const stale = event(
      'PasswordResetRequested',
      user.userId,
      { ...user, token: 'tok_old', expiresAt: new Date(Date.now() - 1000).toISOString() },
      'users',
    );
    const marker = event('PasswordChanged', user.userId, { ...user, via: 'CHANGE', at: new Date().toISOString() }, 'users');
    await h.publish(stale, marker);
    const mails = await waitForMails(user.email, 1);
    expect(mails.map((m) => m.Subject)).toEqual(['Your password was changed']);
    expect(await h.sql('SELECT id FROM notifications WHERE id = $1', [stale.id])).toEqual([]);
  });

  it('fails a reset mail whose link expires while the SMTP server is away', async () => {
    // Five attempts (SEND_MAX_ATTEMPTS) with backoff of at least 100 + 200 + 400 + 400 ms: the fifth comes after the link's 1 s.
    const user = newUser();
    h.proxy.mode = 'down';
    try {
      const reset = event(
        'PasswordResetRequested',
        user.userId,
        { ...user, token: 'tok_soon', expiresAt: new Date(Date.now() + 1000).toISOString() },
        'users',
      );
      await h.publish(reset);
      const failed = await h.waitForStatus(reset.id, 'FAILED', 20_000);
      expect(failed.last_error).toMatch(/link expired/);
      expect(failed.data).toBeNull();
    } finally {
      h.proxy.mode = 'pass';
    }
    expect(await mailsTo(user.email)).toHaveLength(0);
  });
});

describe('preferences', () => {
  it('suppresses shipped and delivered mails when orderUpdates is off; confirmations still go', async () => {
    const user = newUser();
    await register(user);
    const viewer = { id: user.userId, role: 'CUSTOMER' as const };
    const UPDATE =
      'mutation ($input: NotificationPreferencesInput!) { updateNotificationPreferences(input: $input) { preferences { orderUpdates productNews } errors { code } } }';
    const off = await h.call(UPDATE, { input: { orderUpdates: false } }, viewer);
    expect(off.body.data!.updateNotificationPreferences).toEqual({ preferences: { orderUpdates: false, productNews: false }, errors: [] });
    const anonymous = await h.call(UPDATE, { input: { orderUpdates: false } }, null);
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const orderId = randomUUID();
    const summary = orderSummary();
    const confirmed = orderStatus(orderId, user.userId, 'CONFIRMED', 'AWAITING_PAYMENT', 3, summary);
    const shipped = orderStatus(orderId, user.userId, 'SHIPPED', 'CONFIRMED', 4, summary);
    const delivered = orderStatus(orderId, user.userId, 'DELIVERED', 'SHIPPED', 5, summary);
    await h.publish(confirmed, shipped, delivered);
    await h.waitForStatus(delivered.id, 'SUPPRESSED');
    await h.waitForStatus(confirmed.id, 'SENT');
    const mails = await mailsTo(user.email);
    expect(mails.map((m) => m.Subject).sort()).toEqual(['Welcome to Shopgraph', `Your order ${summary.number} is confirmed`]);

    const history = (await h.call(HISTORY, { id: user.userId }, viewer)).body.data!._entities[0];
    expect(history.notificationPreferences).toEqual({ orderUpdates: false, productNews: false });
    // (The three order events were handled within milliseconds: compare without their order.)
    expect(history.notifications.edges.map((e: any) => `${e.node.kind} ${e.node.status}`).sort()).toEqual([
      'ORDER_CONFIRMED SENT',
      'ORDER_DELIVERED SUPPRESSED',
      'ORDER_SHIPPED SUPPRESSED',
      'WELCOME SENT',
    ]);
  });
});
