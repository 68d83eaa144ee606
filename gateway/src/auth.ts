import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { GraphQLError } from 'graphql';
import { serviceUnavailable, type Viewer } from '@shopgraph/kit';
import { RevocationUnavailableError, type RevocableToken, type RevocationList } from './edge/revocation';

/** A verified access token: who it stands for, and the claims revocation and expiry look at. */
export interface VerifiedAccess {
  viewer: Viewer;
  token: RevocableToken;
  /** Expiry (epoch seconds), when the token has one. */
  exp?: number;
}

/** Verifies users' access tokens against the users subgraph's JWKS (keys cached, refetched on an unknown kid). */
export class AccessTokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    jwksUrl: string,
    private readonly issuer: string,
    private readonly audience: string,
    /** Revoked tokens (logout, role change) are refused; null = not checked. */
    private readonly revocations: Pick<RevocationList, 'isRevoked'> | null = null,
  ) {
    this.keys = createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  }

  /**
   * The viewer behind an `Authorization` header value: null when there is none; an
   * UNAUTHENTICATED error when it is malformed, forged or expired (clients then refresh).
   */
  async viewerFrom(authorization: string | undefined): Promise<Viewer | null> {
    return (await this.verify(authorization))?.viewer ?? null;
  }

  /** Like `viewerFrom`, with the token's claims (a websocket keeps them to re-check revocation while it is open). */
  async verify(authorization: string | undefined): Promise<VerifiedAccess | null> {
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('Authorization header must be "Bearer <access token>"');
    try {
      const { payload } = await jwtVerify(match[1], this.keys, { issuer: this.issuer, audience: this.audience });
      if (typeof payload.sub !== 'string') throw unauthenticated('Access token has no subject');
      const iatMs = typeof payload.iat_ms === 'number' ? payload.iat_ms : (payload.iat ?? 0) * 1000;
      const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
      const token: RevocableToken = { sub: payload.sub, sid, iatMs };
      if (this.revocations) {
        let revoked: boolean;
        try {
          revoked = await this.revocations.isRevoked(token);
        } catch (error) {
          if (error instanceof RevocationUnavailableError)
            throw serviceUnavailable('Sign-in cannot be checked right now; try again shortly', 2);
          throw error;
        }
        if (revoked) throw unauthenticated('Access token revoked; sign in again');
      }
      return { viewer: { id: payload.sub, role: payload.role === 'ADMIN' ? 'ADMIN' : 'CUSTOMER' }, token, exp: payload.exp };
    } catch (error) {
      if (error instanceof GraphQLError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('Access token expired; refresh it');
      if (error instanceof joseErrors.JOSEError) throw unauthenticated('Access token is invalid');
      throw error;
    }
  }
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}
