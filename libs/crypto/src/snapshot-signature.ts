import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';

import canonicalize from 'canonicalize';

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/** PKCS #8 header of an Ed25519 private key whose 32-byte seed follows (RFC 8410, section 7). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_BYTES = 32;

/**
 * The JSON Canonicalization Scheme form of a value (RFC 8785): sorted keys, no
 * whitespace, ECMAScript number and string serialisation. The same value gives
 * the same bytes on every service, so it can be signed and digested. Throws a
 * `TypeError` for what JSON cannot represent (non-finite numbers, BigInt,
 * cycles) and for `undefined` at the top level.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('a value JSON cannot represent has no canonical form');
  return text;
}

/** SHA-256 (hex, 64 characters) of the canonical form of a value (RFC 8785): what an instance holds, in short. */
export function canonicalDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}

/**
 * What is signed for a snapshot: the snapshot and the one instance it is for,
 * so that a snapshot signed for one instance cannot be replayed to another.
 */
function signedMessage(instanceId: string, snapshot: object): Buffer {
  return Buffer.from(canonicalJson({ instanceId, snapshot }), 'utf8');
}

function decode32(name: string, base64: string): Buffer {
  const text = base64.trim();
  const bytes = Buffer.from(text, 'base64');
  // Buffer.from skips what is not base64; re-encoding tells a clean value from one with stray characters.
  if (bytes.length !== ED25519_BYTES || bytes.toString('base64').replace(/=+$/, '') !== text.replace(/=+$/, '')) {
    throw new SigningKeyError(`${name} must be the base64 of ${ED25519_BYTES} bytes.`);
  }
  return bytes;
}

/**
 * The Hub's side: signs workspace snapshots with Ed25519 (RFC 8032) over
 * their canonical form (RFC 8785). The key is imported once, at construction;
 * signing then costs tens of microseconds.
 */
export class SnapshotSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    /** Base64 of the 32-byte raw public key, for `HUB_PUBLIC_KEY`. */
    readonly publicKey: string,
  ) {}

  /**
   * From `HUB_SIGNING_KEY`: the base64 of a 32-byte Ed25519 seed (RFC 8032,
   * section 5.1.5). Throws `SigningKeyError` for anything else.
   */
  static fromSeed(seedBase64: string): SnapshotSigner {
    const seed = decode32('HUB_SIGNING_KEY', seedBase64);
    const privateKey = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    return new SnapshotSigner(privateKey, Buffer.from(jwk.x!, 'base64url').toString('base64'));
  }

  /** The signature (base64, 64 bytes) of `snapshot` for the instance `instanceId`. */
  sign(instanceId: string, snapshot: object): string {
    return sign(null, signedMessage(instanceId, snapshot), this.privateKey).toString('base64');
  }

  /**
   * For one snapshot sent to many instances: canonicalises it once and returns
   * a function that signs it for each instance, giving exactly what `sign`
   * gives (RFC 8785 sorts `instanceId` before `snapshot`, so the signed text is
   * the two canonical parts joined). For a large snapshot this saves one
   * canonicalisation per instance.
   */
  signerFor(snapshot: object): (instanceId: string) => string {
    const canonicalSnapshot = canonicalJson(snapshot);
    return (instanceId) =>
      sign(
        null,
        Buffer.from(`{"instanceId":${canonicalJson(instanceId)},"snapshot":${canonicalSnapshot}}`, 'utf8'),
        this.privateKey,
      ).toString('base64');
  }
}

/**
 * An instance's side: verifies snapshot signatures against the Hub's public
 * keys (several during a key rollover). Keys are imported once, as JWKs of
 * type OKP, curve Ed25519 (RFC 8037).
 */
export class SnapshotVerifier {
  private constructor(private readonly keys: KeyObject[]) {}

  /**
   * From `HUB_PUBLIC_KEY`: a comma-separated list of base64 32-byte raw
   * Ed25519 public keys. Throws `SigningKeyError` for an empty list or a
   * malformed key.
   */
  static fromPublicKeys(list: string): SnapshotVerifier {
    const entries = list
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    if (entries.length === 0) throw new SigningKeyError('HUB_PUBLIC_KEY holds no key.');
    return new SnapshotVerifier(
      entries.map((entry) =>
        createPublicKey({
          key: { kty: 'OKP', crv: 'Ed25519', x: decode32('HUB_PUBLIC_KEY', entry).toString('base64url') },
          format: 'jwk',
        }),
      ),
    );
  }

  /**
   * Whether `signature` (base64) is a valid signature of `snapshot` for
   * `instanceId` by any of the keys. Never throws: a malformed signature is
   * simply not valid.
   */
  verify(instanceId: string, snapshot: object, signature: string): boolean {
    const bytes = Buffer.from(signature, 'base64');
    if (bytes.length !== 64) return false;
    let message: Buffer;
    try {
      message = signedMessage(instanceId, snapshot);
    } catch {
      return false;
    }
    return this.keys.some((key) => verify(null, message, key, bytes));
  }

  /**
   * `verify` for a snapshot already in canonical form (`canonicalJson`), so
   * that a receiver that also digests it canonicalises it once. Never throws.
   */
  verifyCanonical(instanceId: string, canonicalSnapshot: string, signature: string): boolean {
    const bytes = Buffer.from(signature, 'base64');
    if (bytes.length !== 64) return false;
    const message = Buffer.from(`{"instanceId":${canonicalJson(instanceId)},"snapshot":${canonicalSnapshot}}`, 'utf8');
    return this.keys.some((key) => verify(null, message, key, bytes));
  }
}

/** A fresh key pair, base64 as `HUB_SIGNING_KEY` (the seed) and `HUB_PUBLIC_KEY` expect: for setup and tests. */
export function generateSigningKeyPair(): { signingKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    signingKey: Buffer.from(jwk.d!, 'base64url').toString('base64'),
    publicKey: Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64'),
  };
}
