import { Injectable } from '@nestjs/common';
import type { WorkspaceTokenClaims } from '@switchboard/contracts';
import { BoundedCache } from '@switchboard/server';

import type { Workspace } from '../workspaces/workspace.entity.js';
import { nextSecretExpiry } from '../workspaces/workspace-keys.js';

/** A backstop on how long a verification is reused, whatever the token's own expiry. */
const REUSE_MS = 60_000;
const LIMIT = 10_000;

export interface Verified {
  claims: WorkspaceTokenClaims;
  workspaceKey: string;
  /** The workspace's key material as it was when the signature checked out. */
  configVersion: number;
  reuseUntil: number;
}

/**
 * Tokens whose signature this replica has checked. A token is an immutable
 * string, so verifying it again against the same key material gives the same
 * answer: a client that sends one token on every request pays for the HMAC,
 * the JSON decoding and passport's machinery once. An entry is reused only
 * while the token is unexpired, the workspace's configuration (its secrets and
 * public keys) is the version it was checked against, and no previous secret
 * it may have been signed with has expired meanwhile. Everything else —
 * archived workspace or tenant, changed fields — is decided on every request,
 * as before.
 */
@Injectable()
export class VerifiedTokens {
  private readonly entries = new BoundedCache<string, Verified>({ max: LIMIT, ttlMs: REUSE_MS });

  /**
   * A token verified before, while its verification may be reused; the caller
   * checks the workspace version. `now` in epoch ms: `reuseUntil` is the rule
   * (the cache's own TTL, the same bound, only frees memory).
   */
  lookup(token: string, now = Date.now()): Readonly<Verified> | undefined {
    const entry = this.entries.get(token);
    if (entry && entry.reuseUntil <= now) {
      this.entries.delete(token);
      return undefined;
    }
    return entry;
  }

  forget(token: string): void {
    this.entries.delete(token);
  }

  remember(token: string, claims: WorkspaceTokenClaims, workspace: Workspace, now = Date.now()): void {
    const expiresAt = typeof claims.exp === 'number' ? claims.exp * 1000 : now;
    // A token signed with a previous secret stops being valid when that secret's grace period ends;
    // which secret verified it is not known here, so the soonest expiry bounds the reuse.
    const graceEnds = nextSecretExpiry(workspace, now);
    const reuseUntil = Math.min(expiresAt, graceEnds, now + REUSE_MS);
    if (reuseUntil <= now) return;
    this.entries.set(
      token,
      { claims, workspaceKey: workspace.key, configVersion: workspace.configVersion, reuseUntil },
      reuseUntil - now,
    );
  }
}
