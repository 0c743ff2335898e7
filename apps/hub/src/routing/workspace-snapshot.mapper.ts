import type { SignedWorkspaceSnapshot, WorkspaceSnapshot } from '@switchboard/contracts';
import { canonicalDigest, type SnapshotSigner } from '@switchboard/crypto';
import type { Columns } from '@switchboard/persistence';

import type { OrgWorkspace } from './org-workspace.entity.js';

/** The properties of an org workspace a snapshot is made of. */
export const SNAPSHOT_PROPERTIES = [
  'id',
  'orgId',
  'key',
  'name',
  'settings',
  'webhookUri',
  'publicKeys',
  'sealedSecret',
  'previousSealedSecrets',
  'archivedAt',
  'configVersion',
] as const;

/** The columns of `org_workspaces` a snapshot is made of, as the entity names them. */
export type WorkspaceSnapshotRow = Pick<Columns<OrgWorkspace>, (typeof SNAPSHOT_PROPERTIES)[number]>;

/** The whole current configuration of a workspace, as an instance receives it. */
export function toSnapshot(workspace: OrgWorkspace): WorkspaceSnapshot {
  return rowToSnapshot(workspace);
}

/**
 * The same from a row of the workspace's snapshot columns, so that the relay
 * can claim rows and read their workspaces in one statement. A function of the row alone (previous secrets
 * are sent as stored, expired or not; the instance ignores expired ones), so
 * one version has one digest and the Hub can compare what an instance holds.
 */
export function rowToSnapshot(row: WorkspaceSnapshotRow): WorkspaceSnapshot {
  return {
    workspaceId: row.id,
    orgId: row.orgId,
    key: row.key,
    name: row.name,
    settings: row.settings,
    webhookUri: row.webhookUri,
    publicKeys: row.publicKeys,
    sealedSecret: row.sealedSecret,
    previousSecrets: row.previousSealedSecrets.map(({ sealedSecret, expiresAt }) => ({ sealedSecret, expiresAt })),
    archivedAt: row.archivedAt?.toISOString() ?? null,
    version: row.configVersion,
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
