import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { GraphQLError } from 'graphql';
import { serviceUnavailable, type Viewer } from '@shopgraph/kit';
import { RevocationUnavailableError, type RevocationList } from './edge/revocation';

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
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('Authorization header must be "Bearer <access token>"');
    try {
      const { payload } = await jwtVerify(match[1], this.keys, { issuer: this.issuer, audience: this.audience });
      if (typeof payload.sub !== 'string') throw unauthenticated('Access token has no subject');
      if (this.revocations) {
        const iatMs = typeof payload.iat_ms === 'number' ? payload.iat_ms : (payload.iat ?? 0) * 1000;
        const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
        let revoked: boolean;
        try {
          revoked = await this.revocations.isRevoked({ sub: payload.sub, sid, iatMs });
        } catch (error) {
          if (error instanceof RevocationUnavailableError)
            throw serviceUnavailable('Sign-in cannot be checked right now; try again shortly', 2);
          throw error;
        }
        if (revoked) throw unauthenticated('Access token revoked; sign in again');
      }
      return { id: payload.sub, role: payload.role === 'ADMIN' ? 'ADMIN' : 'CUSTOMER' };
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
