import { generateKeyPairSync, type KeyObject } from 'node:crypto';

import { workspacePublicKeyProblem } from './workspace-public-key.js';

const pem = (options: Parameters<typeof generateKeyPairSync>[1], type: 'rsa' | 'ec' | 'ed25519') => {
  const pair = generateKeyPairSync(type as 'rsa', options as never) as unknown as {
    publicKey: KeyObject;
    privateKey: KeyObject;
  };
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
};

describe('workspacePublicKeyProblem', () => {
  const rsa2048 = pem({ modulusLength: 2048 }, 'rsa');
  const p256 = pem({ namedCurve: 'P-256' }, 'ec');

  it('accepts RSA public keys of 2048 bits and more, and EC public keys on P-256', () => {
    expect(workspacePublicKeyProblem(rsa2048.publicKey)).toBeUndefined();
    expect(workspacePublicKeyProblem(p256.publicKey)).toBeUndefined();
  });

  it('refuses private keys, though a public key could be derived from them', () => {
    expect(workspacePublicKeyProblem(rsa2048.privateKey)).toMatch(/private key/);
    expect(workspacePublicKeyProblem(p256.privateKey)).toMatch(/private key/);
    const ecPrivate = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'sec1', format: 'pem' })
      .toString();
    expect(workspacePublicKeyProblem(ecPrivate)).toMatch(/private key/);
  });

  it('refuses keys no token could be verified with: short RSA, other curves, other types', () => {
    expect(workspacePublicKeyProblem(pem({ modulusLength: 1024 }, 'rsa').publicKey)).toMatch(/1024 bits/);
    expect(workspacePublicKeyProblem(pem({ namedCurve: 'P-384' }, 'ec').publicKey)).toMatch(/P-256/);
    expect(workspacePublicKeyProblem(pem({}, 'ed25519').publicKey)).toMatch(/ed25519/);
  });

  it('refuses what is not a PEM public key', () => {
    expect(workspacePublicKeyProblem('hello')).toMatch(/PEM public key/);
    expect(workspacePublicKeyProblem('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----')).toMatch(
      /not a readable/,
    );
  });
});
