import { Keyring, KeyringError } from './keyring.js';

describe('Keyring', () => {
  const v1 = Keyring.generateKeySpec('v1');
  const v2 = Keyring.generateKeySpec('v2');

  it('round-trips text and JSON', () => {
    const sut = Keyring.parse(v1);
    expect(sut.decrypt(sut.encrypt('hunter2'))).toBe('hunter2');
    expect(sut.decryptJson(sut.encryptJson({ a: [1, 'b'] }))).toEqual({ a: [1, 'b'] });
  });

  it('never produces the same ciphertext twice and never contains the plaintext', () => {
    const sut = Keyring.parse(v1);
    const a = sut.encrypt('secret-value');
    expect(a).not.toEqual(sut.encrypt('secret-value'));
    expect(a).not.toContain('secret-value');
  });

  it('encrypts with the first key and decrypts with any', () => {
    const old = Keyring.parse(v1);
    const sealed = old.encrypt('x');
    const sut = Keyring.parse(`${v2},${v1}`);
    expect(sut.decrypt(sealed)).toBe('x');
    expect(sut.isStale(sealed)).toBe(true);
    const rewrapped = sut.rewrap(sealed);
    expect(rewrapped.startsWith('v2:')).toBe(true);
    expect(sut.decrypt(rewrapped)).toBe('x');
  });

  it('lists its versions, current first, and reads the version a value names', () => {
    const sut = Keyring.parse(`${v2},${v1}`);
    expect(sut.versions).toEqual(['v2', 'v1']);
    expect(Keyring.versionOf(sut.encrypt('x'))).toBe('v2');
    expect(Keyring.versionOf('garbage')).toBe('');
  });

  it('refuses a tampered ciphertext', () => {
    const sut = Keyring.parse(v1);
    const [version, iv, tag, data] = sut.encrypt('x').split(':');
    const flipped = Buffer.from(data!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => sut.decrypt([version, iv, tag, flipped.toString('base64url')].join(':'))).toThrow();
  });

  it.each([
    ['', /holds no key/],
    ['nokey', /must look like/],
    ['v1:c2hvcnQ=', /32 bytes/],
    [`${v1},${v1}`, /repeats/],
  ])('refuses the spec %p', (spec, message) => {
    expect(() => Keyring.parse(spec)).toThrow(KeyringError);
    expect(() => Keyring.parse(spec)).toThrow(message);
  });
});
