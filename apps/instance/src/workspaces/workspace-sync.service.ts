import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ApplyWorkspaceSnapshotReply, WorkspaceSnapshot } from '@switchboard/contracts';
import { DataSource } from 'typeorm';

import { WorkspaceCache } from './workspace-cache.js';

/**
 * Applies workspace snapshots from the Hub. One statement, so it is atomic:
 * the row changes only if the snapshot's version is newer than the one held;
 * older and equal versions are acknowledged and ignored.
 */
@Injectable()
export class WorkspaceSyncService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cache: WorkspaceCache,
  ) {}

  async apply(snapshot: WorkspaceSnapshot): Promise<ApplyWorkspaceSnapshotReply> {
    const applied = await this.dataSource.query<{ config_version: number }[]>(
      `INSERT INTO workspaces AS w (id, org_id, key, name, settings, webhook_uri, public_keys, sealed_secret,
         previous_sealed_secret, previous_secret_expires_at, archived_at, config_version, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
       ON CONFLICT (id) DO UPDATE SET
         org_id = EXCLUDED.org_id, key = EXCLUDED.key, name = EXCLUDED.name, settings = EXCLUDED.settings,
         webhook_uri = EXCLUDED.webhook_uri, public_keys = EXCLUDED.public_keys,
         sealed_secret = EXCLUDED.sealed_secret, previous_sealed_secret = EXCLUDED.previous_sealed_secret,
         previous_secret_expires_at = EXCLUDED.previous_secret_expires_at, archived_at = EXCLUDED.archived_at,
         config_version = EXCLUDED.config_version, updated_at = now()
       WHERE w.config_version < EXCLUDED.config_version
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
        snapshot.previousSecret?.sealedSecret ?? null,
        snapshot.previousSecret?.expiresAt ?? null,
        snapshot.archivedAt,
        snapshot.version,
      ],
    );
    if (applied.length > 0) {
      this.cache.invalidate(snapshot.key);
      return { workspaceId: snapshot.workspaceId, appliedVersion: snapshot.version, applied: true };
    }
    const [held] = await this.dataSource.query<{ config_version: number }[]>(
      'SELECT config_version FROM workspaces WHERE id = $1',
      [snapshot.workspaceId],
    );
    return { workspaceId: snapshot.workspaceId, appliedVersion: held?.config_version ?? 0, applied: false };
  }

  async heldVersions(): Promise<{ workspaceId: string; version: number }[]> {
    const rows = await this.dataSource.query<{ id: string; config_version: number }[]>(
      'SELECT id, config_version FROM workspaces',
    );
    return rows.map((row) => ({ workspaceId: row.id, version: row.config_version }));
  }
}
