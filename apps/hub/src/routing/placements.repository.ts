import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { WorkspacePlacement } from '@switchboard/contracts';
import { queryRows } from '@switchboard/persistence';
import { DataSource } from 'typeorm';

const PLACEMENT = {
  workspace_id: 'string',
  workspace_key: 'string',
  instance_id: 'string',
  api_url: 'string',
  version: 'number',
  archived: 'boolean',
} as const;

const SELECT_PLACEMENT = `SELECT w.id AS workspace_id, w.key AS workspace_key, w.instance_id, i.api_url,
         w.config_version AS version, (w.archived_at IS NOT NULL) AS archived
       FROM org_workspaces w JOIN instances i ON i.id = w.instance_id`;

/** All SQL of the placement table the gateways read: each workspace's key, instance and the instance's API URL. */
@Injectable()
export class PlacementsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Up to `limit` placements in workspace id order, after the id `after` (null: from the start). */
  async page(after: string | null, limit: number): Promise<WorkspacePlacement[]> {
    const rows = await queryRows(
      this.dataSource,
      `${SELECT_PLACEMENT}
       WHERE $1::uuid IS NULL OR w.id > $1::uuid
       ORDER BY w.id ASC
       LIMIT $2`,
      [after, limit],
      PLACEMENT,
    );
    return rows.map(toPlacement);
  }

  /** The placements of these workspaces as committed now (a workspace that is gone is left out). */
  async ofWorkspaces(ids: string[]): Promise<WorkspacePlacement[]> {
    const rows = await queryRows(this.dataSource, `${SELECT_PLACEMENT} WHERE w.id = ANY($1::uuid[])`, [ids], PLACEMENT);
    return rows.map(toPlacement);
  }
}

function toPlacement(row: {
  workspace_id: string;
  workspace_key: string;
  instance_id: string;
  api_url: string;
  version: number;
  archived: boolean;
}): WorkspacePlacement {
  return {
    workspaceId: row.workspace_id,
    workspaceKey: row.workspace_key,
    instanceId: row.instance_id,
    apiUrl: row.api_url,
    version: row.version,
    archived: row.archived,
  };
}
