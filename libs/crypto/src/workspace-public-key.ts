import { createPublicKey, type KeyObject } from 'node:crypto';

/** RSA keys shorter than this are refused (NIST SP 800-57 Part 1 Rev. 5: 2048 bits for RSA signatures). */
export const MIN_RSA_MODULUS_BITS = 2048;

/**
 * Why a PEM string cannot serve as a workspace's public key, or `undefined`
 * when it can. A workspace token is verified as RS256 or ES256 (RFC 7518
 * §3.1), so a usable key is an RSA public key of at least
 * `MIN_RSA_MODULUS_BITS` bits or an EC public key on P-256. Private keys are
 * refused outright, though Node derives a public key from one: a workspace's
 * `publicKeys` are shown to every member of its org and to its instance.
 */
export function workspacePublicKeyProblem(pem: string): string | undefined {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) return 'is a private key; give its public key only';
  if (!/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem)) return 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)';
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return 'is not a readable PEM public key';
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    return bits >= MIN_RSA_MODULUS_BITS ? undefined : `is an RSA key of ${bits} bits; at least ${MIN_RSA_MODULUS_BITS}`;
  }
  if (key.asymmetricKeyType === 'ec') {
    return details.namedCurve === 'prime256v1'
      ? undefined
      : `is an EC key on ${details.namedCurve ?? 'an unknown curve'}; ES256 needs P-256`;
  }
  return `is a ${key.asymmetricKeyType ?? 'unknown'} key; RS256 needs RSA and ES256 needs EC P-256`;
}
