import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  ApplyWorkspaceSnapshotReply,
  HeldWorkspace,
  PreviousSecret,
  SignedWorkspaceSnapshot,
  WorkspaceSnapshot,
} from '@switchboard/contracts';
import { canonicalDigest, Keyring, SnapshotVerifier } from '@switchboard/crypto';
import { DomainException, ErrorCode } from '@switchboard/server';
import { DataSource } from 'typeorm';

import { InstanceConfig } from '../config.js';
import { WorkspaceCache } from './workspace-cache.js';
import { liveSealedSecrets } from './workspace-keys.js';

/** A `workspaces` row as the snapshot it holds is rebuilt from. */
interface WorkspaceRow {
  id: string;
  org_id: string;
  key: string;
  name: string;
  settings: Record<string, unknown>;
  webhook_uri: string | null;
  public_keys: string[];
  sealed_secret: string;
  previous_sealed_secrets: PreviousSecret[];
  archived_at: Date | null;
  config_version: number;
  snapshot_digest: string | null;
}

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
    @InjectDataSource() private readonly dataSource: DataSource,
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
    const applied = await this.dataSource.query<{ config_version: number }[]>(
      `INSERT INTO workspaces AS w (id, org_id, key, name, settings, webhook_uri, public_keys, sealed_secret,
         previous_sealed_secrets, archived_at, config_version, snapshot_digest, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
       ON CONFLICT (id) DO UPDATE SET
         org_id = EXCLUDED.org_id, key = EXCLUDED.key, name = EXCLUDED.name, settings = EXCLUDED.settings,
         webhook_uri = EXCLUDED.webhook_uri, public_keys = EXCLUDED.public_keys,
         sealed_secret = EXCLUDED.sealed_secret, previous_sealed_secrets = EXCLUDED.previous_sealed_secrets,
         archived_at = EXCLUDED.archived_at, config_version = EXCLUDED.config_version,
         snapshot_digest = EXCLUDED.snapshot_digest, updated_at = now()
       WHERE w.config_version < EXCLUDED.config_version
          OR (w.config_version = EXCLUDED.config_version AND w.snapshot_digest IS DISTINCT FROM EXCLUDED.snapshot_digest)
       RETURNING config_version`,
      [
        snapshot.workspaceId,
        snapshot.orgId,
        snapshot.key,
        snapshot.name,
        JSON.stringify(snapshot.settings),
        snapshot.webhookUri,
        JSON.stringify(snapshot.publicKeys),
        snapshot.sealedSecret,
        JSON.stringify(snapshot.previousSecrets.map(({ sealedSecret, expiresAt }) => ({ sealedSecret, expiresAt }))),
        snapshot.archivedAt,
        snapshot.version,
        digest,
      ],
    );
    if (applied.length > 0) {
      this.cache.invalidate(snapshot.key);
      return { workspaceId: snapshot.workspaceId, appliedVersion: snapshot.version, digest, applied: true };
    }
    const [held] = await this.dataSource.query<WorkspaceRow[]>(`SELECT ${ROW_COLUMNS} FROM workspaces WHERE id = $1`, [
      snapshot.workspaceId,
    ]);
    return {
      workspaceId: snapshot.workspaceId,
      appliedVersion: held?.config_version ?? 0,
      digest: held ? (held.snapshot_digest ?? canonicalDigest(heldSnapshot(held))) : digest,
      applied: false,
    };
  }

  /**
   * What this instance holds of each workspace: version and the digest of the
   * snapshot rebuilt from the row as it is now. A row changed behind the
   * Hub's back (its digest is not the one recorded when it was applied) is
   * logged and recorded as it is, so the Hub sees the drift and the next
   * snapshot of the same version heals it.
   */
  async heldWorkspaces(): Promise<HeldWorkspace[]> {
    const rows = await this.dataSource.query<WorkspaceRow[]>(`SELECT ${ROW_COLUMNS} FROM workspaces ORDER BY id`);
    const held: HeldWorkspace[] = [];
    for (const row of rows) {
      const digest = canonicalDigest(heldSnapshot(row));
      if (digest !== row.snapshot_digest) {
        if (row.snapshot_digest !== null) {
          this.logger.warn(`workspace ${row.id} does not hold what was applied to it; reporting the drift to the Hub`);
        }
        // Compare-and-set: a snapshot applied meanwhile stays as it is.
        await this.dataSource.query(
          `UPDATE workspaces SET snapshot_digest = $2
           WHERE id = $1 AND config_version = $3 AND snapshot_digest IS NOT DISTINCT FROM $4`,
          [row.id, digest, row.config_version, row.snapshot_digest],
        );
      }
      held.push({ workspaceId: row.id, version: row.config_version, digest });
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

const ROW_COLUMNS = [
  'id',
  'org_id',
  'key',
  'name',
  'settings',
  'webhook_uri',
  'public_keys',
  'sealed_secret',
  'previous_sealed_secrets',
  'archived_at',
  'config_version',
  'snapshot_digest',
].join(', ');

/** The snapshot a row holds, field for field as the Hub builds it, so that equal content gives an equal digest. */
function heldSnapshot(row: WorkspaceRow): WorkspaceSnapshot {
  return {
    workspaceId: row.id,
    orgId: row.org_id,
    key: row.key,
    name: row.name,
    settings: row.settings,
    webhookUri: row.webhook_uri,
    publicKeys: row.public_keys,
    sealedSecret: row.sealed_secret,
    previousSecrets: row.previous_sealed_secrets,
    archivedAt: row.archived_at?.toISOString() ?? null,
    version: row.config_version,
  };
}
