import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { GraphQLError } from 'graphql';
import type { Viewer } from '@shopgraph/kit';

/** Verifies users' access tokens against the users subgraph's JWKS (keys cached, refetched on an unknown kid). */
export class AccessTokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    jwksUrl: string,
    private readonly issuer: string,
    private readonly audience: string,
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
