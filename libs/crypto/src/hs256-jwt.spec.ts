import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';

import jwt from 'jsonwebtoken';

import { signHs256Jwt } from './hs256-jwt.js';

describe('signHs256Jwt', () => {
  const key = createSecretKey(Buffer.from(`sbws_${randomBytes(32).toString('base64url')}`, 'utf8'));

  it('is byte for byte what jsonwebtoken signs', () => {
    const claimSets = [
      { iss: 'acme', iat: 1_700_000_000, exp: 1_700_003_600 },
      { iss: 'acme', iat: 1_700_000_000, exp: 1_700_003_600, isAdmin: true },
      { iss: 'acme', iat: 1, exp: 2, tenantKey: 'tenant-1', name: 'Zoë 𝄞 "quoted" \\ </script>' },
      {
        iss: 'acme',
        iat: 1,
        exp: 2,
        tenantId: '0b7c9f52-1c1e-4a6f-9d39-3f1f0f5d2a10',
        fields: { a: [1, null, { b: 'ü' }] },
      },
    ];
    for (const claims of claimSets) {
      expect(signHs256Jwt(claims, key)).toBe(jwt.sign(claims, key, { algorithm: 'HS256' }));
    }
  });

  it('verifies with jsonwebtoken and keeps the claims', () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'acme', iat: now, exp: now + 60, tenantKey: 't' };
    expect(jwt.verify(signHs256Jwt(claims, key), key, { algorithms: ['HS256'] })).toEqual(claims);
  });

  it('refuses a key that is not a secret key, and timestamps that are not whole seconds', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(() => signHs256Jwt({ iat: 1, exp: 2 }, privateKey)).toThrow(TypeError);
    expect(() => signHs256Jwt({ iat: 1.5, exp: 2 }, key)).toThrow(TypeError);
    expect(() => signHs256Jwt({ iat: 1, exp: Number.NaN }, key)).toThrow(TypeError);
  });
});
