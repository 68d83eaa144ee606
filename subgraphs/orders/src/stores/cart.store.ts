import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { isStoreUnavailable, serviceUnavailable } from '@shopgraph/kit';
import { MAX_LINE_QUANTITY, MAX_LINES, type Line } from '../domain/pricing';

/** A cart as stored: lines in the order they were first added, its promotion codes, and when it was last written. */
export interface StoredCart {
  lines: Line[];
  updatedAt: Date | null;
  /** Promotion codes applied to the cart (upper case, in the order applied). */
  promotionCodes: string[];
  /** False for a guest cart that does not exist (never created, or expired). */
  exists: boolean;
}

/** Why a write was refused; `created`: this write turned an empty (absent) cart into one with a line. */
export type CartWriteOutcome =
  | { ok: true; quantity: number; created: boolean }
  | { ok: false; reason: 'LINE_TOO_LARGE' | 'TOO_MANY_LINES'; current: number }
  | { ok: false; reason: 'NO_SUCH_CART'; current: 0 };

/** Who a cart belongs to: a signed-in user, or a guest holding the cart's id. */
export type CartOwner = { userId: string } | { guestCartId: string };

const UPDATED_AT = '_updatedAt';
const CODES = '_codes';

// The meta fields of a cart hash, and how many of them `key` holds (its lines are the rest).
const LINE_COUNT = `
local function lineCount(key)
  return redis.call('HLEN', key) - redis.call('HEXISTS', key, '${UPDATED_AT}') - redis.call('HEXISTS', key, '${CODES}')
end
`;

// After a write: an empty user cart without codes is deleted (absent = empty); otherwise the
// write time is recorded and the idle clock starts again. A guest cart stays while it is empty
// (its id must keep working until it expires).
const TOUCH = `
local function touch(key, keep, ttl, now)
  if keep == 0 and lineCount(key) == 0 and redis.call('HEXISTS', key, '${CODES}') == 0 then
    redis.call('DEL', key)
    return
  end
  redis.call('HSET', key, '${UPDATED_AT}', now)
  redis.call('EXPIRE', key, ttl)
end
`;

// One hash per cart: field <variantId> = "<quantity>:<addedAtMs>", field _updatedAt = ms, field
// _codes = the promotion codes, comma-separated. A line stored before variants is keyed by its
// product's id: the id of that product's default variant. Read-modify-write in one script so
// concurrent adds can neither lose units nor pass the limits. mustExist (guest carts): the cart
// must exist (-3 otherwise); a guest cart is created by CREATE only.
const WRITE_LINE = `${LINE_COUNT}${TOUCH}
local key, field = KEYS[1], ARGV[1]
local qty, mode = tonumber(ARGV[2]), ARGV[3]
local maxQty, maxLines, ttl, now = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local guest = tonumber(ARGV[8])
local existed = redis.call('EXISTS', key)
if guest == 1 and existed == 0 then return {-3, 0} end
local hadLines = lineCount(key) > 0
local stored = redis.call('HGET', key, field)
local current, addedAt = 0, now
if stored then
  local q, a = string.match(stored, '^(%d+):(%d+)$')
  current, addedAt = tonumber(q), a
end
local nextQty = qty
if mode == 'add' then nextQty = current + qty end
if nextQty > maxQty then return {-1, current} end
if current == 0 and nextQty > 0 and lineCount(key) >= maxLines then
  return {-2, current}
end
if nextQty <= 0 then
  redis.call('HDEL', key, field)
else
  redis.call('HSET', key, field, nextQty .. ':' .. addedAt)
end
touch(key, guest, ttl, now)
local created = 0
if not hadLines and lineCount(key) > 0 then created = 1 end
return {1, math.max(nextQty, 0), created}
`;

// Sets the cart's codes (ARGV[1], comma-separated, '' for none).
const WRITE_CODES = `${LINE_COUNT}${TOUCH}
local key, codes, ttl, now, guest = KEYS[1], ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
if guest == 1 and redis.call('EXISTS', key) == 0 then return -3 end
if codes == '' then redis.call('HDEL', key, '${CODES}') else redis.call('HSET', key, '${CODES}', codes) end
touch(key, guest, ttl, now)
return 1
`;

// Moves a guest cart (KEYS[1]) into a user's (KEYS[2]): quantities add up, each line capped at
// maxQty; a line that would pass maxLines stays out (counted in the answer); codes are united.
// The guest cart is deleted. Answer: {merged lines, lines left out, created (the user's cart got
// its first line)} or {-3} when the guest cart does not exist.
const MERGE = `${LINE_COUNT}${TOUCH}
local guestKey, userKey = KEYS[1], KEYS[2]
local maxQty, maxLines, ttl, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if redis.call('EXISTS', guestKey) == 0 then return {-3, 0, 0} end
local hadLines = lineCount(userKey) > 0
local guest = redis.call('HGETALL', guestKey)
local entries = {}
for i = 1, #guest, 2 do
  local field, value = guest[i], guest[i + 1]
  if field ~= '${UPDATED_AT}' and field ~= '${CODES}' then
    local q, a = string.match(value, '^(%d+):(%d+)$')
    if q and tonumber(q) > 0 then table.insert(entries, {field, tonumber(q), tonumber(a)}) end
  end
end
table.sort(entries, function(x, y) if x[3] == y[3] then return x[1] < y[1] end return x[3] < y[3] end)
local merged, left = 0, 0
for _, e in ipairs(entries) do
  local stored = redis.call('HGET', userKey, e[1])
  if stored then
    local q, a = string.match(stored, '^(%d+):(%d+)$')
    redis.call('HSET', userKey, e[1], math.min(tonumber(q) + e[2], maxQty) .. ':' .. a)
    merged = merged + 1
  elseif lineCount(userKey) < maxLines then
    redis.call('HSET', userKey, e[1], math.min(e[2], maxQty) .. ':' .. now)
    merged = merged + 1
  else
    left = left + 1
  end
end
local guestCodes = redis.call('HGET', guestKey, '${CODES}')
if guestCodes then
  local mine = redis.call('HGET', userKey, '${CODES}')
  local all, seen = {}, {}
  for code in string.gmatch((mine or '') .. ',' .. guestCodes, '[^,]+') do
    if not seen[code] then seen[code] = true; table.insert(all, code) end
  end
  redis.call('HSET', userKey, '${CODES}', table.concat(all, ','))
end
redis.call('DEL', guestKey)
touch(userKey, 0, ttl, now)
local created = 0
if not hadLines and lineCount(userKey) > 0 then created = 1 end
return {merged, left, created}
`;

/** An unguessable guest cart id: 32 random bytes, base64url (43 characters). */
export const GUEST_CART_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * Carts in Redis: one hash per signed-in user, forgotten after `idleTtlSeconds` without a write,
 * and one per guest cart (key `<prefix>:guest:<cartId>`), forgotten after `guestTtlSeconds`.
 * Carts have no other home, so they fail fast: a Redis that does not answer within
 * REDIS_COMMAND_TIMEOUT_MS (or is unreachable) fails the call with SERVICE_UNAVAILABLE.
 * A write that timed out may still have been applied; the cart query shows the truth.
 */
export class CartStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly idleTtlSeconds: number,
    private readonly guestTtlSeconds: number = 30 * 24 * 3600,
  ) {}

  /** A new, empty guest cart; its id is the only way to reach it. */
  async createGuest(): Promise<string> {
    const cartId = randomBytes(32).toString('base64url');
    const key = this.key({ guestCartId: cartId });
    await this.guard(this.redis.multi().hset(key, UPDATED_AT, Date.now()).expire(key, this.guestTtlSeconds).exec());
    return cartId;
  }

  async get(owner: CartOwner | string): Promise<StoredCart> {
    const hash = await this.guard(this.redis.hgetall(this.key(owner)));
    const entries: { productId: string; quantity: number; addedAt: number }[] = [];
    for (const [field, value] of Object.entries(hash)) {
      if (field === UPDATED_AT || field === CODES) continue;
      const [quantity, addedAt] = value.split(':').map(Number);
      if (quantity > 0) entries.push({ productId: field, quantity, addedAt });
    }
    entries.sort((a, b) => a.addedAt - b.addedAt || (a.productId < b.productId ? -1 : 1));
    const updatedAt = hash[UPDATED_AT] ? new Date(Number(hash[UPDATED_AT])) : null;
    return {
      // The field is the line's variant; its product is known once the replica has been read.
      lines: entries.map(({ productId, quantity }) => ({ productId, variantId: productId, quantity })),
      updatedAt: entries.length > 0 ? updatedAt : null,
      promotionCodes: hash[CODES] ? hash[CODES].split(',').filter(Boolean) : [],
      exists: typeof owner === 'string' || 'userId' in owner || Object.keys(hash).length > 0,
    };
  }

  /** Adds `quantity` to the variant's line (creating it), within the line and cart limits. */
  add(owner: CartOwner | string, variantId: string, quantity: number): Promise<CartWriteOutcome> {
    return this.write(owner, variantId, quantity, 'add');
  }

  /** Sets the variant's line to `quantity`; 0 removes it. */
  set(owner: CartOwner | string, variantId: string, quantity: number): Promise<CartWriteOutcome> {
    return this.write(owner, variantId, quantity, 'set');
  }

  /** Replaces the cart's promotion codes; false when the guest cart does not exist. */
  async setCodes(owner: CartOwner | string, codes: string[]): Promise<boolean> {
    const guest = this.isGuest(owner);
    const result = await this.guard(this.redis.eval(WRITE_CODES, 1, this.key(owner), codes.join(','), guest ? this.guestTtlSeconds : this.idleTtlSeconds, Date.now(), guest ? 1 : 0));
    return result !== -3;
  }

  /** Empties the cart (a guest cart stays, empty, until it expires). */
  async clear(owner: CartOwner | string): Promise<void> {
    if (!this.isGuest(owner)) {
      await this.guard(this.redis.del(this.key(owner)));
      return;
    }
    const key = this.key(owner);
    // Only an existing guest cart is emptied (an expired id must not come back to life).
    await this.guard(
      this.redis.eval(
        `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
         redis.call('DEL', KEYS[1]); redis.call('HSET', KEYS[1], '${UPDATED_AT}', ARGV[1]); redis.call('EXPIRE', KEYS[1], ARGV[2]); return 1`,
        1,
        key,
        Date.now(),
        this.guestTtlSeconds,
      ),
    );
  }

  /** Forgets a guest cart (after its checkout). */
  async delete(owner: CartOwner | string): Promise<void> {
    await this.guard(this.redis.del(this.key(owner)));
  }

  /**
   * Moves a guest cart's lines and codes into a user's cart, atomically, and deletes the guest
   * cart: null when it does not exist; else how many lines were merged, how many did not fit.
   */
  async merge(guestCartId: string, userId: string): Promise<{ merged: number; leftOut: number; created: boolean } | null> {
    const [merged, leftOut, created] = (await this.guard(
      this.redis.eval(MERGE, 2, this.key({ guestCartId }), this.key({ userId }), MAX_LINE_QUANTITY, MAX_LINES, this.idleTtlSeconds, Date.now()),
    )) as [number, number, number];
    return merged === -3 ? null : { merged, leftOut, created: created === 1 };
  }

  private async write(owner: CartOwner | string, variantId: string, quantity: number, mode: 'add' | 'set'): Promise<CartWriteOutcome> {
    const guest = this.isGuest(owner);
    const [code, value, created] = (await this.guard(this.redis.eval(
      WRITE_LINE,
      1,
      this.key(owner),
      variantId,
      quantity,
      mode,
      MAX_LINE_QUANTITY,
      MAX_LINES,
      guest ? this.guestTtlSeconds : this.idleTtlSeconds,
      Date.now(),
      guest ? 1 : 0,
    ))) as [number, number, number?];
    if (code === -1) return { ok: false, reason: 'LINE_TOO_LARGE', current: value };
    if (code === -2) return { ok: false, reason: 'TOO_MANY_LINES', current: value };
    if (code === -3) return { ok: false, reason: 'NO_SUCH_CART', current: 0 };
    return { ok: true, quantity: value, created: created === 1 };
  }

  private async guard<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      if (isStoreUnavailable(error)) throw serviceUnavailable('Carts are temporarily unavailable; try again shortly');
      throw error;
    }
  }

  private isGuest(owner: CartOwner | string): boolean {
    return typeof owner !== 'string' && 'guestCartId' in owner;
  }

  /** A user's cart key is `<prefix>:<userId>` (as before guest carts); a guest's `<prefix>:guest:<cartId>`. */
  private key(owner: CartOwner | string): string {
    if (typeof owner === 'string') return `${this.keyPrefix}:${owner}`;
    if ('userId' in owner) return `${this.keyPrefix}:${owner.userId}`;
    if (!GUEST_CART_ID.test(owner.guestCartId)) throw new Error('not a guest cart id');
    return `${this.keyPrefix}:guest:${owner.guestCartId}`;
  }
}
