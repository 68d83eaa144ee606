import { signInternalToken, type InternalTokenExtras, type Viewer } from '@shopgraph/kit';

export interface InternalTokenCacheOptions {
  /** Lifetime of each token (its `exp`), seconds. */
  ttlSeconds?: number;
  /** A cached token is reused while at least this share of its lifetime is left (0.25: a 60 s token is reused for 45 s). */
  minRemainingShare?: number;
  /** Distinct (subgraph, viewer, client, session) tokens kept; the oldest go first. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  token: Promise<string>;
  /** Past this (ms), a new token is signed. */
  renewAt: number;
}

/**
 * Internal tokens by (subgraph, viewer, client address, session), reused for most of their
 * lifetime instead of an Ed25519 signature per subgraph call. The viewer is the one the gateway
 * verified for the current request (revocation included), so reuse never extends what a revoked
 * or changed user may do beyond the token's own short lifetime — the same bound as before.
 */
export class InternalTokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlSeconds: number;
  private readonly reuseMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly privateKey: string,
    options: InternalTokenCacheOptions = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? 60;
    this.reuseMs = this.ttlSeconds * 1000 * (1 - (options.minRemainingShare ?? 0.25));
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get(subgraph: string, viewer: Viewer | null, extras: InternalTokenExtras = {}): Promise<string> {
    const key = `${subgraph}\n${viewer ? `${viewer.id}\n${viewer.role}` : '-\n-'}\n${extras.clientIp ?? ''}\n${extras.sessionId ?? ''}`;
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.renewAt > now) return hit.token;
    if (hit) this.entries.delete(key);
    const token = signInternalToken(this.privateKey, subgraph, viewer, this.ttlSeconds, extras);
    const entry = { token, renewAt: now + this.reuseMs };
    // A failed signature is not kept.
    token.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return token;
  }

  get size(): number {
    return this.entries.size;
  }
}
