import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { baseConfigSchema, internalTokenKeyProblems, loadConfig } from './config';
import {
  DEV_INTERNAL_TOKEN_PRIVATE_KEY,
  DEV_INTERNAL_TOKEN_PUBLIC_KEY,
  internalTokenKeyId,
  signInternalToken,
  verifyInternalToken,
  verifyInternalTokenClaims,
} from './internal-token';

const pair = () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
};
const gateway = pair();
const other = pair();

describe('internal tokens (EdDSA, gateway-signed)', () => {
  it('round-trips the viewer and client address for the intended subgraph', async () => {
    const token = await signInternalToken(gateway.priv, 'users', { id: 'u1', role: 'ADMIN' }, 60, { clientIp: '203.0.113.7' });
    await expect(verifyInternalToken(gateway.pub, token, 'users')).resolves.toEqual({ id: 'u1', role: 'ADMIN' });
    await expect(verifyInternalTokenClaims(gateway.pub, token, 'users')).resolves.toEqual({
      viewer: { id: 'u1', role: 'ADMIN' },
      clientIp: '203.0.113.7',
    });
  });

  it("carries the viewer's session when the gateway passes it, and never a session without a viewer", async () => {
    const token = await signInternalToken(gateway.priv, 'users', { id: 'u1', role: 'CUSTOMER' }, 60, { sessionId: 'family-1' });
    await expect(verifyInternalTokenClaims(gateway.pub, token, 'users')).resolves.toEqual({ viewer: { id: 'u1', role: 'CUSTOMER' }, sessionId: 'family-1' });
    const anonymous = await signInternalToken(gateway.priv, 'users', null, 60, { sessionId: 'family-1' });
    await expect(verifyInternalTokenClaims(gateway.pub, anonymous, 'users')).resolves.toEqual({ viewer: null });
  });

  it('carries no viewer for anonymous requests', async () => {
    const token = await signInternalToken(gateway.priv, 'products', null);
    await expect(verifyInternalToken(gateway.pub, token, 'products')).resolves.toBeNull();
  });

  it('is refused by another subgraph, under another key, or once expired', async () => {
    const token = await signInternalToken(gateway.priv, 'users', { id: 'u1', role: 'CUSTOMER' });
    await expect(verifyInternalToken(gateway.pub, token, 'orders')).rejects.toThrow();
    await expect(verifyInternalToken(other.pub, token, 'users')).rejects.toThrow();
    const expired = await new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer('shopgraph-gateway')
      .setAudience('users')
      .setSubject('u1')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign((await import('node:crypto')).createPrivateKey(gateway.priv));
    await expect(verifyInternalToken(gateway.pub, expired, 'users')).rejects.toThrow(/exp/);
  });

  it('cannot be minted with what a subgraph holds: the public key as an HMAC secret, or alg none', async () => {
    // The classic key-confusion forgery: HS256 keyed with the (public) verification key.
    const forged = await new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('shopgraph-gateway')
      .setAudience('orders')
      .setSubject('u1')
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(new TextEncoder().encode(gateway.pub));
    await expect(verifyInternalToken(gateway.pub, forged, 'orders')).rejects.toThrow();
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'u1', role: 'ADMIN', aud: 'users', iss: 'shopgraph-gateway' })).toString('base64url');
    await expect(verifyInternalToken(gateway.pub, `${header}.${body}.`, 'users')).rejects.toThrow();
  });

  it('verifies with any key of a rotation list (old and new), by kid', async () => {
    const both = `${other.pub}\n${gateway.pub}`;
    const oldToken = await signInternalToken(other.priv, 'users', { id: 'u1', role: 'CUSTOMER' });
    const newToken = await signInternalToken(gateway.priv, 'users', { id: 'u2', role: 'CUSTOMER' });
    await expect(verifyInternalToken(both, oldToken, 'users')).resolves.toEqual({ id: 'u1', role: 'CUSTOMER' });
    await expect(verifyInternalToken(both, newToken, 'users')).resolves.toEqual({ id: 'u2', role: 'CUSTOMER' });
    // One-line env values with literal \n work too.
    await expect(verifyInternalToken(gateway.pub.replace(/\n/g, '\\n'), newToken, 'users')).resolves.toEqual({
      id: 'u2',
      role: 'CUSTOMER',
    });
    expect(await internalTokenKeyId(gateway.priv)).toBe(await internalTokenKeyId(gateway.pub));
  });

  it('the development key pair works together outside production', async () => {
    const token = await signInternalToken(DEV_INTERNAL_TOKEN_PRIVATE_KEY, 'users', null);
    await expect(verifyInternalToken(DEV_INTERNAL_TOKEN_PUBLIC_KEY, token, 'users')).resolves.toBeNull();
  });
});

describe('internal-token keys in configuration', () => {
  const schema = baseConfigSchema.extend({});
  const gatewaySchema = baseConfigSchema.extend({
    INTERNAL_TOKEN_PRIVATE_KEY: baseConfigSchema.shape.INTERNAL_TOKEN_PUBLIC_KEYS.removeDefault().default(DEV_INTERNAL_TOKEN_PRIVATE_KEY),
  });

  it('defaults to the development key pair outside production', () => {
    expect(loadConfig(schema, { NODE_ENV: 'development' }).INTERNAL_TOKEN_PUBLIC_KEYS).toBe(DEV_INTERNAL_TOKEN_PUBLIC_KEY);
    expect(loadConfig(gatewaySchema, { NODE_ENV: 'test' }).INTERNAL_TOKEN_PRIVATE_KEY).toBe(DEV_INTERNAL_TOKEN_PRIVATE_KEY);
  });

  it('refuses in production the development keys (default or set explicitly, escaped or not) and any leftover shared secret', () => {
    expect(() => loadConfig(schema, { NODE_ENV: 'production' })).toThrow(/INTERNAL_TOKEN_PUBLIC_KEYS: the development key/);
    expect(() =>
      loadConfig(schema, { NODE_ENV: 'production', INTERNAL_TOKEN_PUBLIC_KEYS: DEV_INTERNAL_TOKEN_PUBLIC_KEY.replace(/\n/g, '\\n') }),
    ).toThrow(/development key/);
    expect(() =>
      loadConfig(schema, { NODE_ENV: 'production', INTERNAL_TOKEN_PUBLIC_KEYS: `${gateway.pub}\n${DEV_INTERNAL_TOKEN_PUBLIC_KEY}` }),
    ).toThrow(/development key/);
    expect(() => loadConfig(gatewaySchema, { NODE_ENV: 'production', INTERNAL_TOKEN_PUBLIC_KEYS: gateway.pub })).toThrow(
      /INTERNAL_TOKEN_PRIVATE_KEY: the development key/,
    );
    // The defaults that used to ship in docker-compose.yml and k8s/overlays/dev.
    expect(() =>
      loadConfig(schema, {
        NODE_ENV: 'production',
        INTERNAL_TOKEN_PUBLIC_KEYS: gateway.pub,
        INTERNAL_TOKEN_SECRET: 'dev-only-change-me-please-32chars',
      }),
    ).toThrow(/INTERNAL_TOKEN_SECRET: no longer used/);
  });

  it('accepts real Ed25519 keys in production and refuses other key types or garbage anywhere', () => {
    expect(
      loadConfig(gatewaySchema, {
        NODE_ENV: 'production',
        INTERNAL_TOKEN_PUBLIC_KEYS: gateway.pub,
        INTERNAL_TOKEN_PRIVATE_KEY: gateway.priv,
      }).INTERNAL_TOKEN_PRIVATE_KEY,
    ).toBe(gateway.priv);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(internalTokenKeyProblems({ NODE_ENV: 'development', INTERNAL_TOKEN_PUBLIC_KEYS: rsa })).toEqual([
      'INTERNAL_TOKEN_PUBLIC_KEYS: must be Ed25519 keys (got rsa)',
    ]);
    expect(
      internalTokenKeyProblems({ NODE_ENV: 'development', INTERNAL_TOKEN_PUBLIC_KEYS: 'a-32-character-shared-secret!!!!' }),
    ).toHaveLength(1);
    expect(internalTokenKeyProblems({ NODE_ENV: 'development', INTERNAL_TOKEN_PRIVATE_KEY: 'not a key' })).toEqual([
      'INTERNAL_TOKEN_PRIVATE_KEY: does not parse as a PKCS#8 PEM private key',
    ]);
  });
});
