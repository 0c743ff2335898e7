import { createHash } from 'node:crypto';

import { sha256Hex } from './tokens.js';

describe('sha256Hex', () => {
  it('is SHA-256 in lowercase hex (FIPS 180-2, appendix B.1: "abc")', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it("hashes a string's UTF-8 bytes, as createHash did", () => {
    for (const value of ['', 'sbp_AAAA', 'é', '𝄞 and \u0000 and ☃']) {
      expect(sha256Hex(value)).toBe(createHash('sha256').update(Buffer.from(value, 'utf8')).digest('hex'));
    }
  });
});
