import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, type ExtraRow, queryRow, Table } from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { type Scope, TenantScope } from '../database/tenant-scope.js';
import { Connection } from './connection.entity.js';

/** What a connection is read with from its integration. */
const INTEGRATION_EXTRA = { integrationKey: 'string', integrationName: 'string' } as const;

/** A connection with its integration's key and name. */
export type ConnectionRow = Columns<Connection> & ExtraRow<typeof INTEGRATION_EXTRA>;

/** A connection row with its cursor position (created_at at full microsecond precision). */
export type ConnectionPageRow = ConnectionRow & ExtraRow<{ position: 'string' }>;

/** What a change of a connection sets. */
export type ConnectionValues = Pick<Connection, 'name' | 'input' | 'sealedCredentials' | 'disconnected' | 'shared'>;

/** The filters of a connections page; null: no filter. */
export interface ConnectionFilters {
  tenantId: string | null;
  integrationKey: string | null;
  integrationId: string | null;
  /** An ILIKE pattern on the name. */
  search: string | null;
  disconnected: boolean | null;
  includeArchived: boolean;
}

/**
 * All SQL of the connections feature, rows decoded against the `Connection`
 * entity plus its integration's key and name (see `Table`). A method takes
 * the scope first: a `Scope` when it opens its own scoped transaction, the
 * `EntityManager` of the caller's when its statement must commit with
 * others (activity log, event outbox). Row-level security decides what each
 * scope sees.
 */
@Injectable()
export class ConnectionsRepository {
  private readonly connections: Table<Connection>;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly scope: TenantScope,
  ) {
    this.connections = Table.of(dataSource, Connection);
  }

  /** `c` (connections) joined with `i` (its integration). */
  private get joinedColumns(): string {
    return `${this.connections.columnsOf('c')}, i.key AS "integrationKey", i.name AS "integrationName"`;
  }

  /** Runs a statement that returns connections rows (`RETURNING *`) and joins each with its integration. */
  private withIntegration(modifying: string): string {
    return `WITH c AS (${modifying} RETURNING *) SELECT ${this.joinedColumns} FROM c JOIN integrations i ON i.id = c.integration_id`;
  }

  /** Stores a new connection and returns it. */
  async insert(
    manager: EntityManager,
    connection: Pick<
      Connection,
      'workspaceId' | 'tenantId' | 'integrationId' | 'name' | 'input' | 'sealedCredentials' | 'shared'
    >,
  ): Promise<ConnectionRow> {
    const row = await this.connections.queryOne(
      manager,
      this.withIntegration(
        `INSERT INTO connections (workspace_id, tenant_id, integration_id, name, input, sealed_credentials, shared)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      ),
      [
        connection.workspaceId,
        connection.tenantId,
        connection.integrationId,
        connection.name,
        JSON.stringify(connection.input),
        connection.sealedCredentials,
        connection.shared,
      ],
      INTEGRATION_EXTRA,
    );
    if (!row) throw new Error('INSERT … RETURNING returned no connection');
    return row;
  }

  /**
   * One page, oldest first, after `after`; `limit` rows at most. For a tenant
   * scope `filters.tenantId` is null: row-level security alone decides, and
   * lets a child see its parent's shared connections too.
   */
  listPage(
    scope: Scope,
    filters: ConnectionFilters,
    page: { after: CursorPosition | null; limit: number },
  ): Promise<ConnectionPageRow[]> {
    return this.scope.run(scope, (manager) =>
      this.connections.query(
        manager,
        `SELECT ${this.joinedColumns}, to_json(c.created_at) #>> '{}' AS position
         FROM connections c JOIN integrations i ON i.id = c.integration_id
         WHERE ($1::uuid IS NULL OR c.tenant_id = $1)
           AND ($2::text IS NULL OR i.key = $2)
           AND ($3::uuid IS NULL OR c.integration_id = $3)
           AND ($4::text IS NULL OR c.name ILIKE $4)
           AND ($5::boolean IS NULL OR c.disconnected = $5)
           AND ($6 OR c.archived_at IS NULL)
           AND ($7::timestamptz IS NULL OR (c.created_at, c.id) > ($7::timestamptz, $8::uuid))
         ORDER BY c.created_at, c.id
         LIMIT $9`,
        [
          filters.tenantId,
          filters.integrationKey,
          filters.integrationId,
          filters.search,
          filters.disconnected,
          filters.includeArchived,
          page.after?.at ?? null,
          page.after?.id ?? null,
          page.limit,
        ],
        { ...INTEGRATION_EXTRA, position: 'string' },
      ),
    );
  }

  /** The connection, archived or not; null when the scope sees none. */
  find(manager: EntityManager, id: string): Promise<ConnectionRow | null> {
    return this.connections.queryOne(
      manager,
      `SELECT ${this.joinedColumns} FROM connections c JOIN integrations i ON i.id = c.integration_id WHERE c.id = $1`,
      [id],
      INTEGRATION_EXTRA,
    );
  }

  /**
   * Sets name, input, credentials, disconnected and shared; the updated row,
   * or null when the scope may not change it (another tenant's, or its
   * parent's shared one: the write policies are the owner's alone).
   */
  update(manager: EntityManager, id: string, values: ConnectionValues): Promise<ConnectionRow | null> {
    return this.connections.queryOne(
      manager,
      this.withIntegration(
        `UPDATE connections SET name = $2, input = $3, sealed_credentials = $4, disconnected = $5, shared = $6,
           updated_at = now()
         WHERE id = $1`,
      ),
      [id, values.name, JSON.stringify(values.input), values.sealedCredentials, values.disconnected, values.shared],
      INTEGRATION_EXTRA,
    );
  }

  /** Archives it now; the updated row, or null when the scope may not change it (as `update`). */
  archive(manager: EntityManager, id: string): Promise<ConnectionRow | null> {
    return this.connections.queryOne(
      manager,
      this.withIntegration('UPDATE connections SET archived_at = now(), updated_at = now() WHERE id = $1'),
      [id],
      INTEGRATION_EXTRA,
    );
  }

  /**
   * Whether the tenant exists in the caller's scope (row-level security hides
   * the others), and if so when it was archived: null when it does not exist.
   */
  findTenantArchivedAt(manager: EntityManager, tenantId: string): Promise<{ archived_at: Date | null } | null> {
    return queryRow(manager, 'SELECT archived_at FROM tenants WHERE id = $1', [tenantId], { archived_at: 'date?' });
  }
}
