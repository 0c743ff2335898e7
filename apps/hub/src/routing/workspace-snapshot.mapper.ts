import type { WorkspaceSnapshot } from '@switchboard/contracts';

import type { OrgWorkspace } from '../org-workspaces/org-workspace.entity.js';

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
  previous_sealed_secret: string | null;
  previous_secret_expires_at: Date | null;
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
  'previous_sealed_secret',
  'previous_secret_expires_at',
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
    previous_sealed_secret: workspace.previousSealedSecret,
    previous_secret_expires_at: workspace.previousSecretExpiresAt,
    archived_at: workspace.archivedAt,
    config_version: workspace.configVersion,
  });
}

/** The same from a raw row, so that the relay can claim rows and read their workspaces in one statement. */
export function rowToSnapshot(row: WorkspaceSnapshotRow): WorkspaceSnapshot {
  // A previous secret past its expiry is no longer sent: the instance would refuse it anyway.
  const previousValid =
    row.previous_sealed_secret !== null &&
    row.previous_secret_expires_at !== null &&
    row.previous_secret_expires_at.getTime() > Date.now();
  return {
    workspaceId: row.id,
    orgId: row.org_id,
    key: row.key,
    name: row.name,
    settings: row.settings,
    webhookUri: row.webhook_uri,
    publicKeys: row.public_keys,
    sealedSecret: row.sealed_secret,
    previousSecret: previousValid
      ? { sealedSecret: row.previous_sealed_secret!, expiresAt: row.previous_secret_expires_at!.toISOString() }
      : null,
    archivedAt: row.archived_at?.toISOString() ?? null,
    version: row.config_version,
  };
}
