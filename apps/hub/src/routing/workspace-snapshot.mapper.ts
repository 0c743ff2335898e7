import type { PreviousSecret, SignedWorkspaceSnapshot, WorkspaceSnapshot } from '@switchboard/contracts';
import { canonicalDigest, type SnapshotSigner } from '@switchboard/crypto';

import type { OrgWorkspace } from './org-workspace.entity.js';

/** The columns of `org_workspaces` a snapshot is made of, as a raw query returns them. */
export interface WorkspaceSnapshotRow {
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
}

/** The columns of `org_workspaces` that a `WorkspaceSnapshotRow` holds. */
export const SNAPSHOT_COLUMNS: readonly (keyof WorkspaceSnapshotRow)[] = [
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
];

/** The whole current configuration of a workspace, as an instance receives it. */
export function toSnapshot(workspace: OrgWorkspace): WorkspaceSnapshot {
  return rowToSnapshot({
    id: workspace.id,
    org_id: workspace.orgId,
    key: workspace.key,
    name: workspace.name,
    settings: workspace.settings,
    webhook_uri: workspace.webhookUri,
    public_keys: workspace.publicKeys,
    sealed_secret: workspace.sealedSecret,
    previous_sealed_secrets: workspace.previousSealedSecrets,
    archived_at: workspace.archivedAt,
    config_version: workspace.configVersion,
  });
}

/**
 * The same from a raw row, so that the relay can claim rows and read their
 * workspaces in one statement. A function of the row alone (previous secrets
 * are sent as stored, expired or not; the instance ignores expired ones), so
 * one version has one digest and the Hub can compare what an instance holds.
 */
export function rowToSnapshot(row: WorkspaceSnapshotRow): WorkspaceSnapshot {
  return {
    workspaceId: row.id,
    orgId: row.org_id,
    key: row.key,
    name: row.name,
    settings: row.settings,
    webhookUri: row.webhook_uri,
    publicKeys: row.public_keys,
    sealedSecret: row.sealed_secret,
    previousSecrets: row.previous_sealed_secrets.map(({ sealedSecret, expiresAt }) => ({ sealedSecret, expiresAt })),
    archivedAt: row.archived_at?.toISOString() ?? null,
    version: row.config_version,
  };
}

/** SHA-256 (hex) of the RFC 8785 canonical form of a snapshot: what the instance must report holding. */
export function snapshotDigest(snapshot: WorkspaceSnapshot): string {
  return canonicalDigest(snapshot);
}

/** A snapshot with the Hub's signature for the one instance it is addressed to. */
export function signSnapshot(
  signer: SnapshotSigner,
  instanceId: string,
  snapshot: WorkspaceSnapshot,
): SignedWorkspaceSnapshot {
  return { snapshot, signature: signer.sign(instanceId, snapshot) };
}
