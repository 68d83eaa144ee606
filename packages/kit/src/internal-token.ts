import { jwtVerify, SignJWT } from 'jose';
import type { Viewer } from './context';

const ISSUER = 'shopgraph-gateway';
const keys = new Map<string, Uint8Array>();
const keyOf = (secret: string) => {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = new TextEncoder().encode(secret)));
  return key;
};

/**
 * Signs the short-lived internal token the gateway (or a service calling another) sends to a
 * subgraph: HS256, audience = the subgraph's name, carrying the signed-in user, if any.
 */
export async function signInternalToken(
  secret: string,
  audience: string,
  viewer: Viewer | null,
  ttlSeconds = 60,
): Promise<string> {
  const jwt = new SignJWT(viewer ? { role: viewer.role } : {})
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`);
  if (viewer) jwt.setSubject(viewer.id);
  return jwt.sign(keyOf(secret));
}

/** Verifies an internal token for this subgraph; throws when missing, forged, expired or meant for another. */
export async function verifyInternalToken(secret: string, token: string, audience: string): Promise<Viewer | null> {
  const { payload } = await jwtVerify(token, keyOf(secret), { issuer: ISSUER, audience, algorithms: ['HS256'] });
  if (!payload.sub) return null;
  const role = payload.role === 'ADMIN' ? 'ADMIN' : 'CUSTOMER';
  return { id: payload.sub, role };
}

/** Header the gateway puts its internal token in. */
export const INTERNAL_TOKEN_HEADER = 'x-gateway-token';
