import type { Redis } from 'ioredis';
import { isStoreUnavailable, serviceUnavailable } from '@shopgraph/kit';
import { MAX_LINE_QUANTITY, MAX_LINES, type Line } from '../domain/pricing';

/** A cart as stored: lines in the order they were first added, and when it was last written. */
export interface StoredCart {
  lines: Line[];
  updatedAt: Date | null;
}

/** Why a write was refused; `created`: this write turned an empty (absent) cart into one with a line. */
export type CartWriteOutcome = { ok: true; quantity: number; created: boolean } | { ok: false; reason: 'LINE_TOO_LARGE' | 'TOO_MANY_LINES'; current: number };

const UPDATED_AT = '_updatedAt';

// One hash per user: field <variantId> = "<quantity>:<addedAtMs>", field _updatedAt = ms. A line
// stored before variants is keyed by its product's id: the id of that product's default variant.
// Read-modify-write in one script so concurrent adds can neither lose units nor pass the limits.
const WRITE_LINE = `
local key, field = KEYS[1], ARGV[1]
local qty, mode = tonumber(ARGV[2]), ARGV[3]
local maxQty, maxLines, ttl, now = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local existed = redis.call('EXISTS', key)
local stored = redis.call('HGET', key, field)
local current, addedAt = 0, now
if stored then
  local q, a = string.match(stored, '^(%d+):(%d+)$')
  current, addedAt = tonumber(q), a
end
local nextQty = qty
if mode == 'add' then nextQty = current + qty end
if nextQty > maxQty then return {-1, current} end
if current == 0 and nextQty > 0 and (redis.call('HLEN', key) - redis.call('HEXISTS', key, '${UPDATED_AT}')) >= maxLines then
  return {-2, current}
end
if nextQty <= 0 then
  redis.call('HDEL', key, field)
else
  redis.call('HSET', key, field, nextQty .. ':' .. addedAt)
end
if redis.call('HLEN', key) - redis.call('HEXISTS', key, '${UPDATED_AT}') == 0 then
  redis.call('DEL', key)
  return {1, 0}
end
redis.call('HSET', key, '${UPDATED_AT}', now)
redis.call('EXPIRE', key, ttl)
return {1, nextQty, 1 - existed}
`;

/**
 * Carts in Redis, one hash per signed-in user, forgotten after `idleTtlSeconds` without a write.
 * Carts have no other home, so they fail fast: a Redis that does not answer within
 * REDIS_COMMAND_TIMEOUT_MS (or is unreachable) fails the call with SERVICE_UNAVAILABLE.
 * A write that timed out may still have been applied; the cart query shows the truth.
 */
export class CartStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly idleTtlSeconds: number,
  ) {}

  async get(userId: string): Promise<StoredCart> {
    const hash = await this.guard(this.redis.hgetall(this.key(userId)));
    const entries: { productId: string; quantity: number; addedAt: number }[] = [];
    for (const [field, value] of Object.entries(hash)) {
      if (field === UPDATED_AT) continue;
      const [quantity, addedAt] = value.split(':').map(Number);
      if (quantity > 0) entries.push({ productId: field, quantity, addedAt });
    }
    entries.sort((a, b) => a.addedAt - b.addedAt || (a.productId < b.productId ? -1 : 1));
    const updatedAt = hash[UPDATED_AT] ? new Date(Number(hash[UPDATED_AT])) : null;
    // The field is the line's variant; its product is known once the replica has been read.
    return { lines: entries.map(({ productId, quantity }) => ({ productId, variantId: productId, quantity })), updatedAt: entries.length > 0 ? updatedAt : null };
  }

  /** Adds `quantity` to the variant's line (creating it), within the line and cart limits. */
  add(userId: string, productId: string, quantity: number): Promise<CartWriteOutcome> {
    return this.write(userId, productId, quantity, 'add');
  }

  /** Sets the variant's line to `quantity`; 0 removes it. */
  set(userId: string, productId: string, quantity: number): Promise<CartWriteOutcome> {
    return this.write(userId, productId, quantity, 'set');
  }

  async clear(userId: string): Promise<void> {
    await this.guard(this.redis.del(this.key(userId)));
  }

  private async write(userId: string, productId: string, quantity: number, mode: 'add' | 'set'): Promise<CartWriteOutcome> {
    const [code, value, created] = (await this.guard(this.redis.eval(
      WRITE_LINE,
      1,
      this.key(userId),
      productId,
      quantity,
      mode,
      MAX_LINE_QUANTITY,
      MAX_LINES,
      this.idleTtlSeconds,
      Date.now(),
    ))) as [number, number, number?];
    if (code === -1) return { ok: false, reason: 'LINE_TOO_LARGE', current: value };
    if (code === -2) return { ok: false, reason: 'TOO_MANY_LINES', current: value };
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

  private key(userId: string): string {
    return `${this.keyPrefix}:${userId}`;
  }
}
