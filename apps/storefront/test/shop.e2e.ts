// The storefront in Debian's Chromium against the real shop (test/global-setup.ts): a customer
// buys and watches the order reach CONFIRMED live, a declined card shows the cancellation, an
// admin ships the order and the customer's open order page follows without a reload. The
// gateway enforces trusted documents, so every request of these pages is an operation of the
// collection (src/operations), sent by its manifest hash.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';

// The app's hooks for tests (src/live.ts).
declare global {
  interface Window {
    __shopgraphLive?: { lastMessageAt: number; messages: number; holdUntil: number; drop(holdMs?: number): void; resume(): void };
  }
}

const SHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

test.use({ baseURL: process.env.SG_STOREFRONT_URL });

const ALICE = { email: 'alice@shopgraph.local', password: 'Customer123!' };
const BOB = { email: 'bob@shopgraph.local', password: 'Customer123!' };
const ADMIN = { email: 'admin@shopgraph.local', password: 'Admin123!shop' };
const ADDRESS = { recipient: 'Alice Martin', line1: '1 Test Street', city: 'London', postalCode: 'N1 1AA', country: 'GB' };

// The demo images live on a host the test machine cannot reach: answer at once (the app shows placeholders).
test.beforeEach(async ({ page }) => {
  await page.route('https://images.shopgraph.dev/**', (route) => route.fulfill({ status: 404, body: '' }));
});

async function signIn(page: Page, who: { email: string; password: string }, next = '/') {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-as')).toBeVisible();
}

async function addToCart(page: Page, slug: string, options: Record<string, string> = {}, quantity = 1) {
  await page.goto(`/products/${slug}`);
  for (const [name, value] of Object.entries(options)) await page.getByLabel(name, { exact: true }).selectOption(value);
  await page.getByLabel('Quantity').fill(String(quantity));
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Added to your cart' })).toBeVisible();
}

/** Fills the checkout, pays with `token`, lands on the order page; returns the order number. */
async function checkout(page: Page, token: string, code?: string, guestEmail?: string) {
  await page.goto('/checkout');
  if (guestEmail) await page.getByLabel("Email (for the order's emails)").fill(guestEmail);
  for (const [label, value] of [
    ['Recipient', ADDRESS.recipient],
    ['Address line 1', ADDRESS.line1],
    ['City', ADDRESS.city],
    ['Region / state (optional)', ''],
    ['Postal code', ADDRESS.postalCode],
    ['Country', ADDRESS.country],
  ])
    await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByRole('button', { name: 'Use this address' }).click();
  await expect(page.getByRole('radio', { name: /Standard/ })).toBeChecked();
  await page.getByRole('radio', { name: /Express/ }).check();
  await expect(page.getByRole('row', { name: /Shipping \(Express\)/ })).toBeVisible();
  if (code) {
    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Apply code' }).click();
    await expect(page.getByRole('row', { name: new RegExp(`Discount: .*\\(${code}\\)`) })).toBeVisible();
  }
  await expect(page.getByRole('row', { name: /\d+\.\d\d %/ })).toBeVisible();
  await page.getByLabel('Payment (sandbox test card)').selectOption(token);
  await page.getByRole('button', { name: /^Place order/ }).click();
  await expect(page).toHaveURL(/\/orders\/[0-9a-f-]+$/);
  const heading = page.getByRole('heading', { level: 1 });
  await expect(heading).toHaveText(/^Order \S+$/);
  return (await heading.textContent())!.replace('Order ', '').trim();
}

test('catalog: search, category and price filters, cursor paging', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Catalog' })).toBeVisible();
  const cards = page.getByRole('list', { name: 'Products' }).getByRole('listitem');
  await expect(cards).toHaveCount(12);
  const total = Number((await page.getByTestId('result-count').textContent())!.split(' ')[0]);
  expect(total).toBeGreaterThan(12);
  await shot(page, 'catalog');
  // next page by cursor, appended
  await page.getByRole('button', { name: 'Load more' }).click();
  await expect(cards).toHaveCount(Math.min(24, total));

  await page.getByRole('searchbox', { name: 'Search' }).fill('headphones');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/q=headphones/);
  await expect(cards.first()).toContainText(/headphones/i);

  await page.goto('/');
  await page.getByLabel('Category').selectOption({ label: 'Audio' });
  await page.getByLabel('Min price ($)').fill('100');
  await page.getByLabel('Max price ($)').fill('300');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/category=audio/);
  await expect(cards.first()).toBeVisible();
  for (const price of await cards.locator('.price').allTextContents()) {
    const dollars = Number(price.replace(/[^0-9.]/g, ''));
    expect(dollars).toBeGreaterThanOrEqual(100);
    expect(dollars).toBeLessThanOrEqual(300);
  }
  await expect(cards.filter({ hasText: 'Aurora Wireless Headphones' })).toHaveCount(1);
  await expect(cards.filter({ hasText: 'Boombox Mini' })).toHaveCount(0);
});

test('product page: options pick a variant with its own price and stock; reviews', async ({ page }) => {
  await page.goto('/products/organic-cotton-t-shirt');
  await expect(page.getByRole('heading', { name: 'Organic Cotton T-Shirt' })).toBeVisible();
  await page.getByLabel('Size', { exact: true }).selectOption('M');
  await page.getByLabel('Colour', { exact: true }).selectOption('Black');
  await expect(page.getByTestId('stock')).toContainText('Out of stock');
  await expect(page.getByRole('button', { name: 'Add to cart' })).toBeDisabled();
  await page.getByLabel('Size', { exact: true }).selectOption('XL');
  await expect(page.getByTestId('price')).toHaveText('$28.00');
  await page.getByLabel('Colour', { exact: true }).selectOption('White');
  await expect(page.getByTestId('stock')).toContainText(/\d+ in stock/);
  await shot(page, 'product');
  await page.goto('/products/aurora-wireless-headphones');
  await expect(page.getByRole('heading', { name: /^Reviews/ })).toBeVisible();
});

/** A graphql-ws message as this app exchanges them (subscribe out, next in). */
interface WsMessage {
  type: string;
  payload: {
    variables: Record<string, unknown>;
    data: { orderStatusChanged: { version: number; status: string; previousStatus: string | null } };
  };
}

/** graphql-ws messages of a page's sockets, both ways. */
function recordSockets(page: Page) {
  const frames = { sent: [] as WsMessage[], received: [] as WsMessage[] };
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => frames.sent.push(JSON.parse(String(f.payload))));
    ws.on('framereceived', (f) => frames.received.push(JSON.parse(String(f.payload))));
  });
  return frames;
}

test('a customer buys, and watches the order reach CONFIRMED live; an admin ships it while the socket is down and the open page catches up', async ({ page, browser }) => {
  const frames = recordSockets(page);
  await signIn(page, ALICE);
  await addToCart(page, 'organic-cotton-t-shirt', { Size: 'M', Colour: 'White' }, 2);
  await page.goto('/cart');
  await expect(page.getByRole('row', { name: /Organic Cotton T-Shirt/ })).toContainText('M / White');
  await shot(page, 'cart');
  const number = await checkout(page, 'tok_visa', 'WELCOME10');
  // A marker that a reload would erase: every change below must come over the websocket.
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
  await expect(page.getByTestId('order-status').first()).toHaveText('CONFIRMED', { timeout: 45_000 });
  await expect(page.getByTestId('live-state')).toHaveText('● live');
  const history = page.getByTestId('history');
  await expect(history).toContainText('PENDING');
  await expect(history).toContainText('AWAITING PAYMENT');
  await expect(history).toContainText('CONFIRMED');
  expect(await page.evaluate(() => window.__shopgraphLive?.messages ?? 0)).toBeGreaterThan(0);
  await expect(page.getByText(/Payment: captured/)).toBeVisible();
  await shot(page, 'order-confirmed');

  // my orders lists it
  const orders = await page.context().newPage();
  await orders.goto('/orders');
  await expect(orders.getByRole('row', { name: new RegExp(number) })).toContainText('CONFIRMED');
  await shot(orders, 'my-orders');
  await orders.close();

  // The customer's socket drops (as on a network failure) and the page does not get to reconnect
  // until the admin has shipped the order.
  const events = () => frames.received.filter((m) => m.type === 'next').map((m) => m.payload.data.orderStatusChanged);
  const lastSeen = Math.max(...events().map((e) => e.version));
  expect(events().map((e) => e.status)).toContain('CONFIRMED');
  await page.evaluate(() => window.__shopgraphLive!.drop(60_000));
  await expect(page.getByTestId('live-state')).toHaveText('reconnecting…');

  // The admin ships it from the desk, in another browser session.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await admin.route('https://images.shopgraph.dev/**', (route) => route.fulfill({ status: 404, body: '' }));
  await signIn(admin, ADMIN, '/admin');
  await admin.getByLabel('Status').selectOption('CONFIRMED');
  const row = admin.locator(`tr[data-order="${number}"]`);
  await expect(row).toBeVisible();
  await row.getByLabel('Tracking no.').fill('1Z999AA10123456784');
  await shot(admin, 'admin-desk');
  await row.getByRole('button', { name: `Ship order ${number}` }).click();
  await expect(admin.getByTestId('desk-notice')).toHaveText(`Order ${number} shipped (UPS, tracking 1Z999AA10123456784).`);
  await adminContext.close();

  // Still disconnected: the page knows nothing of it yet. Then it reconnects, resuming after the
  // last version it saw, and the change it missed arrives (replayed from the order's history).
  await expect(page.getByTestId('order-status').first()).toHaveText('CONFIRMED');
  const subscribesBefore = frames.sent.filter((m) => m.type === 'subscribe').length;
  await page.evaluate(() => window.__shopgraphLive!.resume());
  // The customer's page, untouched since, shows it shipped.
  await expect(page.getByTestId('order-status').first()).toHaveText('SHIPPED', { timeout: 30_000 });
  await expect(history).toContainText('SHIPPED');
  await expect(page.getByTestId('shipment').first()).toContainText('1Z999AA10123456784');
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  const resubscribe = frames.sent.filter((m) => m.type === 'subscribe').slice(subscribesBefore);
  expect(resubscribe).toHaveLength(1);
  expect(resubscribe[0].payload.variables).toEqual({ orderId: expect.any(String), afterVersion: lastSeen });
  const shipped = events().find((e) => e.status === 'SHIPPED');
  expect(shipped?.version).toBe(lastSeen + 1);
  expect(shipped?.previousStatus).toBe('CONFIRMED');
  await shot(page, 'order-shipped');
});

test('a guest buys a product and watches the order reach CONFIRMED live', async ({ page }) => {
  await addToCart(page, 'pulse-true-wireless-earbuds');
  await page.goto('/cart');
  await expect(page.getByRole('row', { name: /Pulse True Wireless Earbuds/ })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Check out as a guest' })).toBeVisible();
  await checkout(page, 'tok_mastercard', undefined, 'guest.shopper@example.com');
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
  await expect(page.getByTestId('order-status').first()).toHaveText('CONFIRMED', { timeout: 45_000 });
  await expect(page.getByTestId('live-state')).toHaveText('● live');
  await expect(page.getByTestId('history')).toContainText('AWAITING PAYMENT');
  await expect(page.getByTestId('history')).toContainText('CONFIRMED');
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  // The order token stays in this browser: the URL carries only the order id.
  expect(page.url()).toMatch(/\/orders\/[0-9a-f-]+$/);
  await shot(page, 'guest-order-confirmed');
  // Another browser without the token cannot read it.
  const other = await page.context().browser()!.newContext();
  const stranger = await other.newPage();
  await stranger.goto(page.url());
  await expect(stranger.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
  await expect(stranger.getByTestId('order-status')).toHaveCount(0);
  await other.close();
});

test("a signed-in customer's guest cart merges into the account's cart", async ({ page }) => {
  await addToCart(page, 'boombox-mini-bluetooth-speaker', {}, 2);
  await page.goto('/cart');
  await expect(page.getByRole('row', { name: /Boombox Mini Bluetooth Speaker/ })).toBeVisible();
  await signIn(page, { email: 'carol@shopgraph.local', password: 'Customer123!' }, '/cart');
  await expect(page).toHaveURL(/\/cart$/);
  const row = page.getByRole('row', { name: /Boombox Mini Bluetooth Speaker/ });
  await expect(row).toBeVisible();
  await expect(row.getByRole('spinbutton')).toHaveValue('2');
  expect(await page.evaluate(() => localStorage.getItem('shopgraph.guestCart'))).toBeNull();
  await shot(page, 'cart-merged');
});

test('a declined card shows the cancellation', async ({ page }) => {
  await signIn(page, BOB);
  await addToCart(page, 'aurora-wireless-headphones');
  const number = await checkout(page, 'tok_chargeDeclined');
  expect(number).toMatch(/\S+/);
  await expect(page.getByTestId('order-status').first()).toHaveText('CANCELLED', { timeout: 45_000 });
  await expect(page.getByTestId('cancellation-reason')).toContainText('payment declined');
  await expect(page.getByText(/Payment: declined/)).toBeVisible();
  await shot(page, 'order-declined');
});

test('register, and errors from the API are shown by code and field', async ({ page }) => {
  await page.goto('/register');
  await page.getByLabel('Name').fill('Test Shopper');
  await page.getByLabel('Email').fill('alice@shopgraph.local');
  await page.getByLabel('Password').fill('Another-Passw0rd!');
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByRole('alert')).toContainText('ALREADY_EXISTS');
  await shot(page, 'register-error');
  const email = `shopper-${Date.now()}@example.com`;
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByTestId('signed-in-as')).toHaveText('Test Shopper');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('wrong-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('INVALID_CREDENTIALS');
});

test('keyboard and small screens: a skip link, labelled controls, no sideways scrolling at 390 px', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  await expect(page.getByRole('list', { name: 'Products' }).getByRole('listitem').first()).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
  for (const path of ['/', '/products/organic-cotton-t-shirt', '/signin', '/register']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(page.locator('main input, main select').first()).toBeVisible();
    // Every form control has a label (its accessible name).
    const unlabelled = await page.locator('main input, main select').evaluateAll((els) =>
      els.filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label')).map((e) => e.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  }
  await page.goto('/');
  await shot(page, 'catalog-mobile');
});

test('password reset: a link is asked for by email; a link whose token is not valid says so', async ({ page }) => {
  await page.goto('/signin');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByLabel('Email').fill('dave@shopgraph.local');
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByRole('status')).toContainText('a link to choose a new password is on its way');
  await page.goto(`/reset-password?token=${'A'.repeat(43)}`);
  await page.getByLabel('New password', { exact: true }).fill('Fresh-Passw0rd-2026!');
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('INVALID_TOKEN');
  await expect(page.getByRole('link', { name: 'Ask for a new link' })).toBeVisible();
});
