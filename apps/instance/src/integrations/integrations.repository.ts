import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, type ExtraRow, queryRow, Table } from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { type Scope, TenantScope } from '../database/tenant-scope.js';
import { Integration } from './integration.entity.js';
import type { IntegrationSelector } from './integration-selector.pipe.js';

/** An integration with its cursor position (created_at at full microsecond precision). */
export type IntegrationPageRow = Columns<Integration> & ExtraRow<{ position: 'string' }>;

/** What a write stores: every column the API sets. */
export type IntegrationValues = Pick<
  Integration,
  'key' | 'name' | 'authType' | 'clientId' | 'sealedClientSecret' | 'settings' | 'connectorKey'
>;

/**
 * All SQL of the integrations feature, rows decoded against the
 * `Integration` entity (see `Table`). A method takes the scope first: a
 * `Scope` when it opens its own scoped transaction, the `EntityManager` of
 * the caller's when its statement must commit with others. Row-level
 * security keeps each workspace to its own, and refuses writes from a tenant
 * scope.
 */
@Injectable()
export class IntegrationsRepository {
  private readonly integrations: Table<Integration>;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly scope: TenantScope,
  ) {
    this.integrations = Table.of(dataSource, Integration);
  }

  /**
   * One page, oldest first: those whose name or key matches `search` (an
   * ILIKE pattern, or null for all), archived ones only with
   * `includeArchived`, after `after`; `limit` rows at most.
   */
  listPage(
    scope: Scope,
    page: { search: string | null; includeArchived: boolean; after: CursorPosition | null; limit: number },
  ): Promise<IntegrationPageRow[]> {
    return this.scope.run(scope, (manager) =>
      this.integrations.query(
        manager,
        `SELECT ${this.integrations.columns}, to_json(created_at) #>> '{}' AS position FROM integrations
         WHERE ($1::text IS NULL OR name ILIKE $1 OR key ILIKE $1)
           AND ($2 OR archived_at IS NULL)
           AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
         ORDER BY created_at, id
         LIMIT $5`,
        [page.search, page.includeArchived, page.after?.at ?? null, page.after?.id ?? null, page.limit],
        { position: 'string' },
      ),
    );
  }

  /** The integration named by id or key, archived or not; null when the scope sees none. */
  find(manager: EntityManager, selector: IntegrationSelector): Promise<Columns<Integration> | null> {
    return 'id' in selector
      ? this.integrations.queryOne(manager, `SELECT ${this.integrations.columns} FROM integrations WHERE id = $1`, [
          selector.id,
        ])
      : this.integrations.queryOne(manager, `SELECT ${this.integrations.columns} FROM integrations WHERE key = $1`, [
          selector.key,
        ]);
  }

  /**
   * Whether the scope's workspace can read a live connector with this key: a
   * workspace-level connector (a template, not a tenant's own) or a universe
   * connector. Reads the elements' and the universe's tables, which row-level
   * security confines to the workspace.
   */
  async connectorReadable(manager: EntityManager, key: string): Promise<boolean> {
    const row = await queryRow(
      manager,
      `SELECT EXISTS (SELECT 1 FROM element_templates
                      WHERE element_type = 'connector' AND key = $1 AND tenant_id IS NULL AND archived_at IS NULL)
           OR EXISTS (SELECT 1 FROM universe_elements
                      WHERE element_type = 'connector' AND key = $1 AND archived_at IS NULL) AS readable`,
      [key],
      { readable: 'boolean' },
    );
    return row?.readable ?? false;
  }

  /**
   * Stores a new integration of the workspace and returns it.
   * @throws TypeORM's QueryFailedError (unique violation) when the key is taken.
   */
  async insert(manager: EntityManager, workspaceId: string, values: IntegrationValues): Promise<Columns<Integration>> {
    const row = await this.integrations.queryOne(
      manager,
      `INSERT INTO integrations (workspace_id, key, name, auth_type, client_id, sealed_client_secret, settings, connector_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${this.integrations.columns}`,
      [
        workspaceId,
        values.key,
        values.name,
        values.authType,
        values.clientId,
        values.sealedClientSecret,
        JSON.stringify(values.settings),
        values.connectorKey,
      ],
    );
    if (!row) throw new Error('INSERT … RETURNING returned no integration');
    return row;
  }

  /**
   * Sets every column the API writes; the updated row, or null when the
   * scope sees no such integration.
   * @throws TypeORM's QueryFailedError (unique violation) when the new key is taken.
   */
  update(manager: EntityManager, id: string, values: IntegrationValues): Promise<Columns<Integration> | null> {
    return this.integrations.queryOne(
      manager,
      `UPDATE integrations SET key = $2, name = $3, auth_type = $4, client_id = $5, sealed_client_secret = $6,
         settings = $7, connector_key = $8, updated_at = now()
       WHERE id = $1 RETURNING ${this.integrations.columns}`,
      [
        id,
        values.key,
        values.name,
        values.authType,
        values.clientId,
        values.sealedClientSecret,
        JSON.stringify(values.settings),
        values.connectorKey,
      ],
    );
  }

  /**
   * Archives (keeping the first archive time) or restores it; the updated
   * row, or null when the scope sees no such integration.
   */
  setArchived(manager: EntityManager, id: string, archived: boolean): Promise<Columns<Integration> | null> {
    return this.integrations.queryOne(
      manager,
      `UPDATE integrations SET archived_at = CASE WHEN $2 THEN COALESCE(archived_at, now()) END, updated_at = now()
       WHERE id = $1 RETURNING ${this.integrations.columns}`,
      [id, archived],
    );
  }
}
