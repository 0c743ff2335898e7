import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { Keyring } from '@switchboard/crypto';
import { BoundedCache } from '@switchboard/server';

import type { Workspace } from './workspace.entity.js';

const LIMIT = 10_000;
/** Material no snapshot names any more is not looked up again; an hour frees it. */
const TTL_MS = 3600_000;

export type WorkspaceAlgorithm = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'ES256';
export const WORKSPACE_ALGORITHMS: WorkspaceAlgorithm[] = ['HS256', 'HS384', 'HS512', 'RS256', 'ES256'];

/**
 * A workspace's secrets that are valid now, still sealed: the current one
 * first, then each previous one until the expiry its rotation promised
 * (API.md, Trust boundaries: Secret rotation), newest rotation first.
 * `now` in epoch milliseconds.
 */
export function liveSealedSecrets(
  workspace: Pick<Workspace, 'sealedSecret' | 'previousSealedSecrets'>,
  now = Date.now(),
): string[] {
  return [
    workspace.sealedSecret,
    ...workspace.previousSealedSecrets
      .filter((previous) => Date.parse(previous.expiresAt) > now)
      .map((previous) => previous.sealedSecret),
  ];
}

/**
 * A workspace's secrets that are valid now, in the clear (current first, then
 * unexpired previous ones, newest first): what webhooks are signed with, one
 * signature per live secret (API.md, Webhook signatures). Throws a
 * `KeyringError` when a secret is sealed under a key `keyring` lacks.
 */
export function liveSecrets(
  workspace: Pick<Workspace, 'sealedSecret' | 'previousSealedSecrets'>,
  keyring: Keyring,
  now = Date.now(),
): string[] {
  return liveSealedSecrets(workspace, now).map((sealed) => keyring.decrypt(sealed));
}

/** When the soonest of a workspace's live previous secrets expires (epoch ms), or `Infinity` when none is live. */
export function nextSecretExpiry(workspace: Pick<Workspace, 'previousSealedSecrets'>, now = Date.now()): number {
  return workspace.previousSealedSecrets
    .map((previous) => Date.parse(previous.expiresAt))
    .filter((expiresAt) => expiresAt > now)
    .reduce((soonest, expiresAt) => Math.min(soonest, expiresAt), Infinity);
}

/**
 * Key material of workspaces as `KeyObject`s, built once per secret or PEM:
 * decrypting and importing a key per request would dominate verification.
 * Entries are keyed by the material itself, so a new snapshot (a rotated
 * secret, new public keys) needs no invalidation: its keys are new entries.
 */
@Injectable()
export class WorkspaceKeys {
  private readonly keys = new BoundedCache<string, KeyObject | null>({ max: LIMIT, ttlMs: TTL_MS });

  constructor(private readonly keyring: Keyring) {}

  /** The keys that may have signed a token with this algorithm, most likely first. */
  candidates(workspace: Workspace, algorithm: string, now = Date.now()): KeyObject[] {
    if (algorithm.startsWith('HS')) return liveSealedSecrets(workspace, now).map((sealed) => this.hmacKey(sealed));
    const type = algorithm === 'RS256' ? 'rsa' : algorithm === 'ES256' ? 'ec' : undefined;
    if (!type) return [];
    return workspace.publicKeys
      .map((pem) => this.publicKey(pem))
      .filter((key): key is KeyObject => key !== null && key.asymmetricKeyType === type);
  }

  hmacKey(sealedSecret: string): KeyObject {
    return this.cached(`hmac:${sealedSecret}`, () =>
      createSecretKey(Buffer.from(this.keyring.decrypt(sealedSecret), 'utf8')),
    )!;
  }

  private publicKey(pem: string): KeyObject | null {
    return this.cached(`pem:${pem}`, () => {
      try {
        return createPublicKey(pem);
      } catch {
        return null; // the Hub validates PEMs; an unreadable one simply verifies nothing
      }
    });
  }

  private cached(id: string, build: () => KeyObject | null): KeyObject | null {
    const cached = this.keys.get(id);
    if (cached !== undefined) return cached;
    const key = build();
    this.keys.set(id, key);
    return key;
  }
}
