import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { WorkspaceSnapshot } from '@switchboard/contracts';
import { type Columns, execute, queryRow, queryRows, Table } from '@switchboard/persistence';
import { DataSource } from 'typeorm';

import { Workspace } from './workspace.entity.js';

/**
 * Every statement on `workspaces`, this instance's copies of the Hub's
 * workspaces. The table is workspace-level and not under row-level security
 * (token verification must find a workspace by key before any scope exists),
 * so no method takes a scope: each is one statement on the data source.
 * Rows come back as `Columns<Workspace>`, decoded and checked against the
 * entity (see Table).
 */
@Injectable()
export class WorkspacesRepository {
  private readonly workspaces: Table<Workspace>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.workspaces = Table.of(dataSource, Workspace);
  }

  /** The workspace whose tokens carry `key` as issuer, or null. */
  async findByKey(key: string): Promise<Columns<Workspace> | null> {
    return this.workspaces.queryOne(
      this.dataSource.manager,
      // A copy still arriving by a move (see moves/) is not served: its key is unknown here until activated.
      `SELECT ${this.workspaces.columns} FROM workspaces
       WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM workspace_move_targets m WHERE m.workspace_id = workspaces.id)`,
      [key],
    );
  }

  /** One workspace, or null. */
  async findById(id: string): Promise<Columns<Workspace> | null> {
    return this.workspaces.queryOne(
      this.dataSource.manager,
      `SELECT ${this.workspaces.columns} FROM workspaces WHERE id = $1`,
      [id],
    );
  }

  /** Up to `limit` workspaces this instance holds whose id is after `after` (null: from the first), by id. */
  async listPage(after: string | null, limit: number): Promise<Columns<Workspace>[]> {
    return this.workspaces.query(
      this.dataSource.manager,
      `SELECT ${this.workspaces.columns} FROM workspaces WHERE $1::uuid IS NULL OR id > $1 ORDER BY id LIMIT $2`,
      [after, limit],
    );
  }

  /**
   * Every origin some live workspace allows (`settings.allowedOrigins`),
   * without duplicates: what a CORS preflight, which carries no token, is
   * answered for.
   */
  async listLiveAllowedOrigins(): Promise<string[]> {
    const rows = await queryRows(
      this.dataSource.manager,
      `SELECT DISTINCT jsonb_array_elements_text(settings -> 'allowedOrigins') AS origin
         FROM workspaces
        WHERE archived_at IS NULL AND jsonb_typeof(settings -> 'allowedOrigins') = 'array'`,
      [],
      { origin: 'string' },
    );
    return rows.map((row) => row.origin);
  }

  /**
   * Writes a snapshot from the Hub in one statement, so atomically: the row
   * is inserted, or changed only if the snapshot's version is newer than the
   * one held, or the same version with another digest. `tenant_field_schema`
   * is the instance's own and is left alone.
   * @param digest SHA-256 of the canonical snapshot, recorded with it.
   * @returns whether the row was written.
   */
  async applySnapshot(snapshot: WorkspaceSnapshot, digest: string): Promise<boolean> {
    // RETURNING, not `execute`: through TypeORM an INSERT reports the rows it returns, not the rows it wrote.
    const written = await queryRow(
      this.dataSource.manager,
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
      { config_version: 'number' },
    );
    return written !== null;
  }

  /**
   * Records the digest of what a row holds now, compare-and-set: only if the
   * row still has `expected`'s version and digest, so a snapshot applied
   * meanwhile stays as it is.
   */
  async recordDigest(
    expected: Pick<Columns<Workspace>, 'id' | 'configVersion' | 'snapshotDigest'>,
    digest: string,
  ): Promise<void> {
    await execute(
      this.dataSource.manager,
      `UPDATE workspaces SET snapshot_digest = $2
       WHERE id = $1 AND config_version = $3 AND snapshot_digest IS NOT DISTINCT FROM $4`,
      [expected.id, digest, expected.configVersion, expected.snapshotDigest],
    );
  }

  /** Sets the JSON Schema that tenant `fields` must satisfy (already checked to be a schema). */
  async setTenantFieldSchema(id: string, schema: Record<string, unknown>): Promise<void> {
    await execute(
      this.dataSource.manager,
      'UPDATE workspaces SET tenant_field_schema = $2, updated_at = now() WHERE id = $1',
      [id, JSON.stringify(schema)],
    );
  }
}
