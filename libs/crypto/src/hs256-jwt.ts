import { createHmac, type KeyObject } from 'node:crypto';

/** base64url of `{"alg":"HS256","typ":"JWT"}`: the header jsonwebtoken writes for HS256 with no `kid`. */
const HS256_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' }), 'utf8').toString('base64url');

/** The claims a token signed here carries: a JSON object whose `iat` and `exp` are set, in whole seconds; any other claims besides. */
export interface Hs256Claims {
  readonly iat: number;
  readonly exp: number;
}

/**
 * Signs `claims` as a compact JWS with HS256 (RFC 7519, RFC 7515 section
 * 7.1): base64url of the header, of `JSON.stringify(claims)` and of the
 * HMAC-SHA-256 of the two, joined by dots. The result is byte for byte what
 * `jsonwebtoken.sign(claims, key, { algorithm: 'HS256' })` returns when
 * `iat` is set (the unit test compares them), without its option checks and
 * stream machinery, which cost the Hub's access-token route about a tenth of
 * its time.
 *
 * @param key an HMAC secret key (`createSecretKey`)
 * @throws TypeError when `key` is not a secret key, or `iat`/`exp` are not whole numbers (a bug of the caller)
 */
export function signHs256Jwt(claims: Hs256Claims, key: KeyObject): string {
  if (key.type !== 'secret') throw new TypeError('HS256 needs a secret key');
  if (!Number.isInteger(claims.iat) || !Number.isInteger(claims.exp)) {
    throw new TypeError('iat and exp must be whole seconds');
  }
  const input = `${HS256_HEADER}.${Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url')}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}
