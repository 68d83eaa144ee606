// The signed-in session: tokens in localStorage (so a reload or a second tab stays signed in), a
// listener list for React, and a refresh of the access token shortly before it expires.
import type { ViewerFragment } from './gql/graphql';

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresAt: string | null;
  user: ViewerFragment;
}

const KEY = 'shopgraph.session';
const listeners = new Set<() => void>();

function read(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

let current: Session | null = read();

export const getSession = () => current;

export function setSession(next: Session | null) {
  current = next;
  if (next) localStorage.setItem(KEY, JSON.stringify(next));
  else localStorage.removeItem(KEY);
  for (const l of listeners) l();
}

export function onSessionChange(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

// Another tab signed in or out.
window.addEventListener('storage', (e) => {
  if (e.key !== KEY) return;
  current = read();
  for (const l of listeners) l();
});

/** True when the access token expires within `marginMs`. */
export function expiresSoon(session: Session, marginMs = 30_000) {
  return session.expiresAt !== null && Date.parse(session.expiresAt) - Date.now() < marginMs;
}

// ── guests ──
// A guest's cart id (an unguessable token the first anonymous cart mutation returns) and the
// one-time order tokens placeOrder returned, by order id. Both are secrets of this browser: they
// stay in localStorage and never go into a URL.
const GUEST_CART = 'shopgraph.guestCart';
const ORDER_TOKENS = 'shopgraph.orderTokens';

export const getGuestCartId = () => localStorage.getItem(GUEST_CART);

export function setGuestCartId(id: string | null) {
  if (id) localStorage.setItem(GUEST_CART, id);
  else localStorage.removeItem(GUEST_CART);
  for (const l of listeners) l();
}

function orderTokens(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(ORDER_TOKENS) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

export const getOrderToken = (orderId: string) => orderTokens()[orderId] ?? null;

export function rememberOrderToken(orderId: string, token: string) {
  localStorage.setItem(ORDER_TOKENS, JSON.stringify({ ...orderTokens(), [orderId]: token }));
}
