import { Injectable, Logger } from '@nestjs/common';
import type {
  ApplyWorkspaceSnapshotReply,
  HeldWorkspace,
  SignedWorkspaceSnapshot,
  WorkspaceSnapshot,
} from '@switchboard/contracts';
import { canonicalDigest, Keyring, SnapshotVerifier } from '@switchboard/crypto';
import type { Columns } from '@switchboard/persistence';
import { DomainException, ErrorCode } from '@switchboard/server';

import { InstanceConfig } from '../config.js';
import type { Workspace } from './workspace.entity.js';
import { WorkspaceCache } from './workspace-cache.js';
import { liveSealedSecrets } from './workspace-keys.js';
import { WorkspacesRepository } from './workspaces.repository.js';

/**
 * Applies workspace snapshots from the Hub. Nothing is applied that does not
 * carry a valid Hub signature for this instance (`HUB_PUBLIC_KEY`), nor
 * anything whose secrets this instance's keyring cannot decrypt: both are
 * refused with a typed error (`snapshot_signature_invalid`,
 * `keyring_mismatch`) and change nothing. The apply is one statement, so it
 * is atomic: the row changes only if the snapshot's version is newer than the
 * one held, or the same version with another digest (the row drifted, or the
 * Hub re-sealed its secrets); anything else is acknowledged and ignored.
 * Every reply says what the instance holds: version and digest (SHA-256 of
 * the RFC 8785 canonical snapshot).
 */
@Injectable()
export class WorkspaceSyncService {
  private readonly logger = new Logger(WorkspaceSyncService.name);

  constructor(
    private readonly repository: WorkspacesRepository,
    private readonly cache: WorkspaceCache,
    private readonly verifier: SnapshotVerifier,
    private readonly keyring: Keyring,
    private readonly config: InstanceConfig,
  ) {}

  /**
   * Verifies and applies one signed snapshot. Throws a `DomainException`
   * with code `snapshot_signature_invalid` or `keyring_mismatch` (sent to the
   * Hub as the error reply) when it refuses it.
   */
  async apply(signed: SignedWorkspaceSnapshot): Promise<ApplyWorkspaceSnapshotReply> {
    const { snapshot } = signed;
    const instanceId = this.config.INSTANCE_ID;
    if (!this.verifier.verify(instanceId, snapshot, signed.signature)) {
      this.logger.warn(`refused a snapshot of workspace ${snapshot.workspaceId} that does not verify`);
      throw new DomainException(
        422,
        ErrorCode.SnapshotSignatureInvalid,
        'Snapshot refused',
        `${instanceId} refused version ${snapshot.version} of workspace ${snapshot.workspaceId}: its signature ` +
          'does not verify against HUB_PUBLIC_KEY for this instance (unsigned, signed with another key, or altered).',
      );
    }
    this.requireDecryptable(snapshot);
    const digest = canonicalDigest(snapshot);
    const applied = await this.repository.applySnapshot(snapshot, digest);
    if (applied) {
      this.cache.invalidate(snapshot.key);
      return { workspaceId: snapshot.workspaceId, appliedVersion: snapshot.version, digest, applied: true };
    }
    const held = await this.repository.findById(snapshot.workspaceId);
    return {
      workspaceId: snapshot.workspaceId,
      appliedVersion: held?.configVersion ?? 0,
      digest: held ? (held.snapshotDigest ?? canonicalDigest(heldSnapshot(held))) : digest,
      applied: false,
    };
  }

  /**
   * What this instance holds of up to `limit` workspaces whose id is after
   * `after` (null: from the first), in id order: version and the digest of
   * the snapshot rebuilt from the row as it is now. A row changed behind the
   * Hub's back (its digest is not the one recorded when it was applied) is
   * logged and recorded as it is, so the Hub sees the drift and the next
   * snapshot of the same version heals it.
   */
  async heldWorkspaces(after: string | null, limit: number): Promise<HeldWorkspace[]> {
    const rows = await this.repository.listPage(after, limit);
    const held: HeldWorkspace[] = [];
    for (const row of rows) {
      const digest = canonicalDigest(heldSnapshot(row));
      if (digest !== row.snapshotDigest) {
        if (row.snapshotDigest !== null) {
          this.logger.warn(`workspace ${row.id} does not hold what was applied to it; reporting the drift to the Hub`);
        }
        // Compare-and-set: a snapshot applied meanwhile stays as it is.
        await this.repository.recordDigest(row, digest);
      }
      held.push({ workspaceId: row.id, version: row.configVersion, digest });
    }
    return held;
  }

  /** Every secret that can be live must be readable here, or nothing is applied (API.md, Trust boundaries: NATS). */
  private requireDecryptable(snapshot: WorkspaceSnapshot): void {
    const sealed = liveSealedSecrets({
      sealedSecret: snapshot.sealedSecret,
      previousSealedSecrets: snapshot.previousSecrets,
    });
    for (const value of sealed) {
      try {
        this.keyring.decrypt(value);
      } catch {
        const version = Keyring.versionOf(value);
        const why = this.keyring.versions.includes(version)
          ? `key ${version} does not decrypt it`
          : `key ${version || '(none)'} unknown`;
        this.logger.warn(`refused workspace ${snapshot.workspaceId}: cannot decrypt its secrets (${why})`);
        throw new DomainException(
          422,
          ErrorCode.KeyringMismatch,
          'Snapshot refused',
          `${this.config.INSTANCE_ID} cannot decrypt with its keys (${why}): version ${snapshot.version} of ` +
            `workspace ${snapshot.workspaceId} was not applied; give the instance that key in ENCRYPTION_KEYS.`,
        );
      }
    }
  }
}

/** The snapshot a row holds, field for field as the Hub builds it, so that equal content gives an equal digest. */
function heldSnapshot(row: Columns<Workspace>): WorkspaceSnapshot {
  return {
    workspaceId: row.id,
    orgId: row.orgId,
    key: row.key,
    name: row.name,
    settings: row.settings,
    webhookUri: row.webhookUri,
    publicKeys: row.publicKeys,
    sealedSecret: row.sealedSecret,
    previousSecrets: row.previousSealedSecrets,
    archivedAt: row.archivedAt?.toISOString() ?? null,
    version: row.configVersion,
  };
}
