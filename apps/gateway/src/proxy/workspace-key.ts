import type { IncomingHttpHeaders } from 'node:http';

import { MAX_WORKSPACE_TOKEN_LENGTH } from '@switchboard/contracts';
import { BoundedCache } from '@switchboard/server';

const API_KEY_PREFIX = 'sbk_';
/** An API key's random part: 32 bytes base64url, 43 characters (API.md, API keys). */
const API_KEY_RANDOM_LENGTH = 43;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BEARER = /^Bearer +(\S+) *$/i;

/** The workspace key a request's credentials name, or why there is none. */
export type CredentialsWorkspace =
  | { workspaceKey: string }
  | {
      missing:
        'no_credentials' /* neither header */ | 'unreadable_credentials'; /* neither an API key nor a JWT naming one */
    };

/**
 * JWT payloads read before → the workspace key they name (null: none). Keyed by the payload segment, not
 * the token: without its signature a payload is no credential, so the cache holds none. A client sends
 * the same token for its lifetime, so nearly every request is a hit (a miss costs a base64url decode and
 * a JSON parse, a few µs). What a payload names never changes, so the TTL only bounds how long memory is
 * held; at most PAYLOADS_CACHED base64url payloads of at most PAYLOAD_CACHED_LENGTH characters (≤ 8 MiB),
 * each a copy that shares no memory with the token it came from.
 */
const PAYLOADS_CACHED = 4096;
const PAYLOAD_CACHED_LENGTH = 2048;
const readPayloads = new BoundedCache<string, string | null>({ max: PAYLOADS_CACHED, ttlMs: 60 * 60_000 });

const NONE = { missing: 'no_credentials' } as const;
const UNREADABLE = { missing: 'unreadable_credentials' } as const;

/**
 * The workspace key a request's credentials name, for routing only: the
 * gateway never verifies a signature or an expiry — the instance that holds
 * the workspace does (API.md, "Gateway: one URL for every instance"), so a
 * forged token reaches, at worst, the instance it names, which refuses it.
 * - `X-API-Key: sbk_<workspace key>_<43 characters>`, or such a key as
 *   `Authorization: Bearer` (as the instance reads them);
 * - else a workspace JWT as `Authorization: Bearer`: its payload's `iss`, else
 *   its `workspaceKey` (the instance's order), decoded, not verified.
 * Returns the key, or why there is none: `no_credentials` (neither header),
 * `unreadable_credentials` (not an API key nor a JWT with such a claim).
 */
export function workspaceKeyOf(headers: IncomingHttpHeaders): CredentialsWorkspace {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return found(apiKeyWorkspace(apiKey));
  const authorization = headers.authorization;
  if (authorization === undefined || authorization === '') return NONE;
  const bearer = BEARER.exec(authorization)?.[1];
  if (bearer === undefined) return UNREADABLE;
  return found(bearer.startsWith(API_KEY_PREFIX) ? apiKeyWorkspace(bearer) : jwtWorkspace(bearer));
}

function found(workspaceKey: string | undefined): CredentialsWorkspace {
  return workspaceKey === undefined ? UNREADABLE : { workspaceKey };
}

/** `sbk_<workspace key>_<random>` → the workspace key (the random part may hold `_`, so it is cut from the end). */
function apiKeyWorkspace(key: string): string | undefined {
  if (!key.startsWith(API_KEY_PREFIX) || key.length < API_KEY_PREFIX.length + 2 + API_KEY_RANDOM_LENGTH) {
    return undefined;
  }
  const random = key.slice(-API_KEY_RANDOM_LENGTH);
  if (!BASE64URL.test(random) || key[key.length - API_KEY_RANDOM_LENGTH - 1] !== '_') return undefined;
  const workspaceKey = key.slice(API_KEY_PREFIX.length, -API_KEY_RANDOM_LENGTH - 1);
  return workspaceKey.length > 0 ? workspaceKey : undefined;
}

/** A compact JWS (RFC 7515 §7.1) whose payload is a JSON object with a string `iss` or `workspaceKey`. */
function jwtWorkspace(token: string): string | undefined {
  if (token.length > MAX_WORKSPACE_TOKEN_LENGTH) return undefined;
  // Three parts: exactly two dots.
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.includes('.', second + 1)) return undefined;
  const payload = token.slice(first + 1, second);
  const cached = readPayloads.get(payload);
  if (cached !== undefined) return cached ?? undefined;
  if (!BASE64URL.test(payload)) return undefined;
  const workspaceKey = payloadWorkspace(payload);
  // Kept as a copy of its own: V8's slice of the header shares (and so keeps alive) the whole token, signature
  // included, which would make the cache hold credentials and up to four times the memory it is sized for.
  if (payload.length <= PAYLOAD_CACHED_LENGTH) readPayloads.set(detached(payload), workspaceKey ?? null);
  return workspaceKey;
}

/** `text` (base64url, so ASCII) copied into a string of its own, sharing no memory with the string it was sliced from. */
function detached(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** The `iss`, else the `workspaceKey`, of a base64url JSON object payload; undefined for anything else. */
function payloadWorkspace(payload: string): string | undefined {
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
  const { iss, workspaceKey } = claims as { iss?: unknown; workspaceKey?: unknown };
  if (typeof iss === 'string' && iss.length > 0) return iss;
  if (typeof workspaceKey === 'string' && workspaceKey.length > 0) return workspaceKey;
  return undefined;
}
