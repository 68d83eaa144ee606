import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type KeyLike } from 'jose';
import type { SigningKeyStore } from '../stores/signing-key.store';

/** Issuer of every access token; the gateway checks it. */
export const ACCESS_TOKEN_ISSUER = 'shopgraph-users';
/** Audience of every access token; the gateway checks it. */
export const ACCESS_TOKEN_AUDIENCE = 'shopgraph';
const ALGORITHM = 'EdDSA';

/** A signed access token and when it stops being accepted. */
export interface AccessToken {
  token: string;
  expiresAt: Date;
}

/**
 * Signs access tokens (JWT, EdDSA/Ed25519, claims sub and role) with the active key from the
 * database, and publishes the public keys as a JWKS.
 */
export class AccessTokenService {
  private signingKey?: { kid: string; key: KeyLike | Uint8Array };

  constructor(
    private readonly keys: SigningKeyStore,
    private readonly ttlSeconds: number,
  ) {}

  /** Loads the active key, generating and storing it on the very first start. */
  async init(): Promise<void> {
    const stored = await this.keys.activeOrCreate(async () => {
      const { publicKey, privateKey } = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
      const publicJwk = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(publicJwk);
      return { kid, algorithm: ALGORITHM, publicJwk, privateJwk: await exportJWK(privateKey) };
    });
    this.signingKey = { kid: stored.kid, key: await importJWK(stored.privateJwk, stored.algorithm) };
  }

  /**
   * A JWT for `user`, valid for the configured TTL. `sid` names the session (refresh-token
   * family) so a logout can revoke its access tokens; `iat_ms` (issued-at in ms) tells the
   * gateway whether the token predates a role change made in the same second.
   */
  async sign(user: { id: string; role: string }, now = new Date(), sid?: string): Promise<AccessToken> {
    if (!this.signingKey) throw new Error('AccessTokenService.init() was not called');
    const issuedAt = Math.floor(now.getTime() / 1000);
    const expiresAt = new Date((issuedAt + this.ttlSeconds) * 1000);
    const token = await new SignJWT({ role: user.role, iat_ms: now.getTime(), ...(sid ? { sid } : {}) })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.signingKey.kid, typ: 'JWT' })
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(user.id)
      .setIssuedAt(issuedAt)
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.signingKey.key);
    return { token, expiresAt };
  }

  /** The public keys as a JSON Web Key Set, for GET /.well-known/jwks.json. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const keys = await this.keys.all();
    return { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.algorithm, use: 'sig' })) };
  }
}
