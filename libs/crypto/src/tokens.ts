import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random secret with a recognisable prefix: 32 bytes (256 bits) of randomness, base64url. */
export function generateToken(prefix: string, bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

/**
 * SHA-256 of a string's UTF-8 bytes, as 64 lowercase hex digits. One-shot
 * `crypto.hash`: no Hash object per call, about a third of createHash's cost
 * (it runs on every authenticated Hub request, for the token's cache key).
 */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
