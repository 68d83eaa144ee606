import { SignJWT } from 'jose';
import { signInternalToken, verifyInternalToken } from './internal-token';

const secret = 'a-test-secret-that-is-long-enough';

describe('internal tokens', () => {
  it('round-trips the viewer for the intended subgraph', async () => {
    const token = await signInternalToken(secret, 'users', { id: 'u1', role: 'ADMIN' });
    await expect(verifyInternalToken(secret, token, 'users')).resolves.toEqual({ id: 'u1', role: 'ADMIN' });
  });

  it('carries no viewer for anonymous requests', async () => {
    const token = await signInternalToken(secret, 'products', null);
    await expect(verifyInternalToken(secret, token, 'products')).resolves.toBeNull();
  });

  it('is refused by another subgraph, with another secret, or once expired', async () => {
    const token = await signInternalToken(secret, 'users', { id: 'u1', role: 'CUSTOMER' });
    await expect(verifyInternalToken(secret, token, 'orders')).rejects.toThrow();
    await expect(verifyInternalToken('another-secret-of-enough-length', token, 'users')).rejects.toThrow();
    const expired = await new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('shopgraph-gateway')
      .setAudience('users')
      .setSubject('u1')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(secret));
    await expect(verifyInternalToken(secret, expired, 'users')).rejects.toThrow(/exp/);
  });

  it('refuses an unsigned token', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'u1', role: 'ADMIN', aud: 'users', iss: 'shopgraph-gateway' })).toString('base64url');
    await expect(verifyInternalToken(secret, `${header}.${body}.`, 'users')).rejects.toThrow();
  });
});
