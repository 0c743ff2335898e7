import {
  canonicalDigest,
  canonicalJson,
  generateSigningKeyPair,
  SigningKeyError,
  SnapshotSigner,
  SnapshotVerifier,
} from './snapshot-signature.js';

describe('canonicalJson', () => {
  it('follows RFC 8785 (its example in section 3.2.3)', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('gives one digest whatever the key order, another for another value', () => {
    expect(canonicalDigest({ a: 1, b: [1, 2] })).toBe(canonicalDigest({ b: [1, 2], a: 1 }));
    expect(canonicalDigest({ a: 1, b: [1, 2] })).not.toBe(canonicalDigest({ a: 1, b: [2, 1] }));
    expect(canonicalDigest({})).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses what JSON cannot represent', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson({ a: Number.NaN })).toThrow();
  });
});

describe('SnapshotSigner and SnapshotVerifier', () => {
  const pair = generateSigningKeyPair();
  const snapshot = { workspaceId: 'w', version: 3, settings: { b: 1, a: 2 }, previousSecrets: [] };

  it('derives the public key of RFC 8032 test 1 from its seed', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    expect(Buffer.from(SnapshotSigner.fromSeed(seed.toString('base64')).publicKey, 'base64').toString('hex')).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
  });

  it('verifies what the matching key signed, for the instance it was signed for', () => {
    const signer = SnapshotSigner.fromSeed(pair.signingKey);
    expect(signer.publicKey).toBe(pair.publicKey);
    const signature = signer.sign('instance-a', snapshot);
    const sut = SnapshotVerifier.fromPublicKeys(pair.publicKey);
    expect(sut.verify('instance-a', snapshot, signature)).toBe(true);
    // Key order is not part of what is signed.
    expect(sut.verify('instance-a', { ...snapshot, settings: { a: 2, b: 1 } }, signature)).toBe(true);
    // Replayed to another instance.
    expect(sut.verify('instance-b', snapshot, signature)).toBe(false);
  });

  it('signs one snapshot for many instances exactly as sign does (signerFor)', () => {
    const signer = SnapshotSigner.fromSeed(pair.signingKey);
    const sut = SnapshotVerifier.fromPublicKeys(pair.publicKey);
    const signFor = signer.signerFor(snapshot);
    for (const instanceId of ['instance-a', 'b', 'with "quotes" and ünïcode']) {
      // Ed25519 is deterministic (RFC 8032): the same message gives the same signature.
      expect(signFor(instanceId)).toBe(signer.sign(instanceId, snapshot));
      expect(sut.verify(instanceId, snapshot, signFor(instanceId))).toBe(true);
    }
    expect(sut.verify('instance-b', snapshot, signFor('instance-a'))).toBe(false);
    // And verified from the canonical text as from the object.
    expect(sut.verifyCanonical('b', canonicalJson(snapshot), signFor('b'))).toBe(true);
    expect(sut.verifyCanonical('b', canonicalJson({ ...snapshot, version: 4 }), signFor('b'))).toBe(false);
    expect(sut.verifyCanonical('instance-a', canonicalJson(snapshot), signFor('b'))).toBe(false);
  });

  it('refuses an altered snapshot, another key, and a malformed signature', () => {
    const signature = SnapshotSigner.fromSeed(pair.signingKey).sign('instance-a', snapshot);
    const sut = SnapshotVerifier.fromPublicKeys(pair.publicKey);
    expect(sut.verify('instance-a', { ...snapshot, version: 4 }, signature)).toBe(false);
    const other = generateSigningKeyPair();
    expect(
      sut.verify('instance-a', snapshot, SnapshotSigner.fromSeed(other.signingKey).sign('instance-a', snapshot)),
    ).toBe(false);
    expect(sut.verify('instance-a', snapshot, '')).toBe(false);
    expect(sut.verify('instance-a', snapshot, 'not base64 at all!')).toBe(false);
    expect(sut.verify('instance-a', snapshot, Buffer.alloc(64).toString('base64'))).toBe(false);
  });

  it('accepts any key of a rollover list', () => {
    const next = generateSigningKeyPair();
    const sut = SnapshotVerifier.fromPublicKeys(`${next.publicKey}, ${pair.publicKey}`);
    expect(sut.verify('i', snapshot, SnapshotSigner.fromSeed(pair.signingKey).sign('i', snapshot))).toBe(true);
    expect(sut.verify('i', snapshot, SnapshotSigner.fromSeed(next.signingKey).sign('i', snapshot))).toBe(true);
  });

  it.each([
    ['an empty value', ''],
    ['31 bytes', Buffer.alloc(31).toString('base64')],
    ['stray characters', `${Buffer.alloc(32, 1).toString('base64')}!`],
  ])('refuses %s as a key', (_, value) => {
    expect(() => SnapshotSigner.fromSeed(value)).toThrow(SigningKeyError);
    expect(() => SnapshotVerifier.fromPublicKeys(value)).toThrow(SigningKeyError);
  });
});
