import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, exportJWK, jwtVerify, SignJWT } from 'jose';
import type { Viewer } from './context';

const ISSUER = 'shopgraph-gateway';
const ALGORITHM = 'EdDSA';

/**
 * DEVELOPMENT/TEST ONLY key pair of internal tokens, published in this repository: it lets the
 * gateway and the subgraphs (separate processes) agree with zero configuration on a laptop and
 * in tests. Anyone can read it, so `loadConfig` refuses it when NODE_ENV=production; production
 * sets INTERNAL_TOKEN_PRIVATE_KEY (gateway only) and INTERNAL_TOKEN_PUBLIC_KEYS (subgraphs).
 */
export const DEV_INTERNAL_TOKEN_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIEa4xw40kH65/rFgfUeQTOE0h2/O2eeAUQwuGPnB7wm1
-----END PRIVATE KEY-----`;
/** Public half of DEV_INTERNAL_TOKEN_PRIVATE_KEY (refused in production too). */
export const DEV_INTERNAL_TOKEN_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAPKfAgweGgyGovWls3HmdtUxmFSLbuPgCsQztJPVNGtI=
-----END PUBLIC KEY-----`;

/** Env values may carry PEM line breaks as literal `\n` (one-line secrets). */
const unescape = (pem: string) => pem.replace(/\\n/g, '\n').trim();

/** A gateway's signing key: Ed25519 private key and its kid (RFC 7638 thumbprint of the public key). */
export interface InternalTokenSigner {
  kid: string;
  key: KeyObject;
}

/** One verifiable public key by kid. */
export type InternalTokenKeys = Map<string, KeyObject>;

const kidOf = async (publicKey: KeyObject) => calculateJwkThumbprint(await exportJWK(publicKey));

function assertEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${what} must be an Ed25519 key (got ${key.asymmetricKeyType ?? key.type})`);
  return key;
}

const signers = new Map<string, Promise<InternalTokenSigner>>();
/** Parses a PKCS#8 PEM Ed25519 private key (cached per value). */
export function internalTokenSigner(privateKeyPem: string): Promise<InternalTokenSigner> {
  let signer = signers.get(privateKeyPem);
  if (!signer) {
    signer = (async () => {
      const key = assertEd25519(createPrivateKey(unescape(privateKeyPem)), 'INTERNAL_TOKEN_PRIVATE_KEY');
      return { key, kid: await kidOf(createPublicKey(key)) };
    })();
    signers.set(privateKeyPem, signer);
  }
  return signer;
}

const keySets = new Map<string, Promise<InternalTokenKeys>>();
/**
 * Parses one or more SPKI PEM Ed25519 public keys (concatenated blocks; several during a
 * rotation) into a kid -> key map (cached per value).
 */
export function internalTokenKeys(publicKeysPem: string): Promise<InternalTokenKeys> {
  let keys = keySets.get(publicKeysPem);
  if (!keys) {
    keys = (async () => {
      const blocks = unescape(publicKeysPem).match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
      if (blocks.length === 0) throw new Error('INTERNAL_TOKEN_PUBLIC_KEYS holds no PEM public key');
      const map: InternalTokenKeys = new Map();
      for (const block of blocks) {
        const key = assertEd25519(createPublicKey(block), 'INTERNAL_TOKEN_PUBLIC_KEYS');
        map.set(await kidOf(key), key);
      }
      return map;
    })();
    keySets.set(publicKeysPem, keys);
  }
  return keys;
}

/** The kid (thumbprint) of a PEM public or private key: what operators compare during a rotation. */
export async function internalTokenKeyId(pem: string): Promise<string> {
  const text = unescape(pem);
  return kidOf(text.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(text)) : createPublicKey(text));
}

/** What the gateway knows of the caller besides the viewer (signed, so subgraphs may trust it). */
export interface InternalTokenExtras {
  /** The client's address as the gateway saw it (per-client limits in subgraphs). */
  clientIp?: string;
  /** The session (refresh-token family, the access token's `sid`) the request was made in: users keeps it signed in when its password changes. */
  sessionId?: string;
}

/** What a verified internal token carries. */
export interface InternalTokenClaims extends InternalTokenExtras {
  viewer: Viewer | null;
}

/**
 * Signs the short-lived internal token the gateway sends to a subgraph: EdDSA (Ed25519) with the
 * gateway's private key, `kid` = its thumbprint, audience = the subgraph's name, carrying the
 * signed-in user, if any, and the client's address. Only the gateway holds the private key, so
 * no subgraph can mint a token for another.
 */
export async function signInternalToken(
  privateKeyPem: string,
  audience: string,
  viewer: Viewer | null,
  ttlSeconds = 60,
  extras: InternalTokenExtras = {},
): Promise<string> {
  const signer = await internalTokenSigner(privateKeyPem);
  const claims: Record<string, string> = {};
  if (viewer) claims.role = viewer.role;
  if (extras.clientIp) claims.cip = extras.clientIp;
  if (extras.sessionId) claims.sid = extras.sessionId;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid: signer.kid })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`);
  if (viewer) jwt.setSubject(viewer.id);
  return jwt.sign(signer.key);
}

/** Verifies an internal token for this subgraph with the gateway's public key(s); throws when missing, forged, expired or meant for another. */
export async function verifyInternalTokenClaims(publicKeysPem: string, token: string, audience: string): Promise<InternalTokenClaims> {
  const keys = await internalTokenKeys(publicKeysPem);
  const { kid } = decodeProtectedHeader(token);
  // No kid (or an unknown one): try each key; a rotation holds two at most.
  const candidates = kid && keys.has(kid) ? [keys.get(kid)!] : [...keys.values()];
  let failure: unknown = new Error('no key');
  for (const key of candidates) {
    try {
      const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience, algorithms: [ALGORITHM] });
      const viewer: Viewer | null = payload.sub ? { id: payload.sub, role: payload.role === 'ADMIN' ? 'ADMIN' : 'CUSTOMER' } : null;
      return {
        viewer,
        ...(typeof payload.cip === 'string' ? { clientIp: payload.cip } : {}),
        ...(viewer && typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}),
      };
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}

/** Verifies an internal token and returns its viewer (null = anonymous). */
export async function verifyInternalToken(publicKeysPem: string, token: string, audience: string): Promise<Viewer | null> {
  return (await verifyInternalTokenClaims(publicKeysPem, token, audience)).viewer;
}

/** Header the gateway puts its internal token in. */
export const INTERNAL_TOKEN_HEADER = 'x-gateway-token';
