import { hashPassword, verifyAgainstDummy, verifyPassword } from './password.hasher';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse 1');
    await expect(verifyPassword('correct horse 1', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse 2', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
  });

  it('salts every hash: the same password hashes differently, and both verify', async () => {
    const [a, b] = await Promise.all([hashPassword('same-pass-1'), hashPassword('same-pass-1')]);
    expect(a).not.toBe(b);
    expect(a.startsWith('scrypt$')).toBe(true);
    await expect(verifyPassword('same-pass-1', a)).resolves.toBe(true);
    await expect(verifyPassword('same-pass-1', b)).resolves.toBe(true);
  });

  it('refuses a tampered or malformed hash', async () => {
    const hash = await hashPassword('tamper-me-1');
    const parts = hash.split('$');
    const key = Buffer.from(parts[5], 'base64url');
    key[0] ^= 0xff;
    const flippedKey = [...parts.slice(0, 5), key.toString('base64url')].join('$');
    const otherSalt = [...parts.slice(0, 4), Buffer.alloc(16, 7).toString('base64url'), parts[5]].join('$');
    const hugeCost = ['scrypt', 2 ** 30, ...parts.slice(2)].join('$');
    for (const bad of [flippedKey, otherSalt, hugeCost, 'scrypt$1$2$3', 'plain-text', '']) {
      await expect(verifyPassword('tamper-me-1', bad)).resolves.toBe(false);
    }
  });

  it('answers false for the dummy comparison used when the email is unknown', async () => {
    await expect(verifyAgainstDummy('anything-1')).resolves.toBe(false);
  });
});
