import { hash, randomBytes } from 'node:crypto';

/** 32 random bytes (256 bits), base64url without padding: always 43 characters. */
const RANDOM_BYTES = 32;
const RANDOM_LENGTH = 43;
const PREFIX = 'sbk_';
/** How many random characters the shown prefix keeps: enough to tell keys apart, far too few to guess the rest. */
const SHOWN_RANDOM = 6;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A new key: the value (shown once), what is shown of it later, and its SHA-256 (what is stored). */
export interface NewApiKey {
  key: string;
  prefix: string;
  hash: Buffer;
}

/** `sbk_<workspace key>_<43 base64url characters>` (API.md): the workspace is read from the key itself. */
export function generateApiKey(workspaceKey: string): NewApiKey {
  const random = randomBytes(RANDOM_BYTES).toString('base64url');
  const key = `${PREFIX}${workspaceKey}_${random}`;
  return { key, prefix: `${PREFIX}${workspaceKey}_${random.slice(0, SHOWN_RANDOM)}`, hash: hashApiKey(key) };
}

/** SHA-256 of the whole key, 32 bytes (what is stored): a key has 256 random bits, so no salt or slow hash is needed. */
export function hashApiKey(key: string): Buffer {
  // Hex, then a Buffer from Node's pool: half the CPU of crypto.hash's 'buffer' output, which allocates
  // an ArrayBuffer of its own for every call.
  return Buffer.from(apiKeyDigest(key), 'hex');
}

/**
 * The same SHA-256 as {@link hashApiKey}, as 64 lowercase hex characters: what a request made with a key
 * computes (one-shot `crypto.hash`, Node 21.7+: no Hash object, no Buffer), both to look the key up in
 * memory and, as `\x<hex>` (bytea's text form), to find it in Postgres.
 */
export function apiKeyDigest(key: string): string {
  return hash('sha256', key, 'hex');
}

/** Whether a bearer credential is shaped like an API key rather than a JWT (a JWT never starts with `sbk_`). */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(PREFIX);
}

/**
 * The workspace key an API key names, or null when the key is not shaped
 * like one (the random part may contain `_`, so it is taken from the end).
 */
export function workspaceKeyOf(key: string): string | null {
  if (!key.startsWith(PREFIX) || key.length < PREFIX.length + 2 + RANDOM_LENGTH) return null;
  const random = key.slice(-RANDOM_LENGTH);
  if (!BASE64URL.test(random) || key[key.length - RANDOM_LENGTH - 1] !== '_') return null;
  const workspaceKey = key.slice(PREFIX.length, -RANDOM_LENGTH - 1);
  return workspaceKey.length > 0 ? workspaceKey : null;
}
