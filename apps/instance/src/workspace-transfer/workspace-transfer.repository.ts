import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, execute, queryRow, queryRows, RowShapeError, Table } from '@switchboard/persistence';
import { DataSource, type EntityManager } from 'typeorm';

import { ElementCustomization } from '../elements/element-customization.entity.js';
import { ElementRevision } from '../elements/element-revision.entity.js';
import { ElementTemplate } from '../elements/element-template.entity.js';
import type { ElementType } from '../elements/element-type.js';
import { isJsonObject, type JsonObject } from '../elements/json-value.js';
import { Integration } from '../integrations/integration.entity.js';
import { Tenant } from '../tenants/tenant.entity.js';
import type { ExportedElement, ExportedIntegration, ExportedTenant } from './transfer-document.js';

/** A tenant's customisation with the type and key of the element it overlays. */
export type CustomizationRow = Columns<ElementCustomization> & { elementType: ElementType; key: string };

/** What an import writes to a tenant: everything but credentials, tokens and activity. */
export type TenantTransferValues = Omit<ExportedTenant, 'customizations'>;

/**
 * The SQL of workspace export and import: whole-workspace reads of
 * integrations, elements with their revisions, tenants and customisations,
 * and the writes an import makes. Every method takes the `EntityManager` of
 * the caller's admin-scoped transaction (TenantScope), so row-level security
 * confines each statement to the caller's workspace; the statements name the
 * workspace as well where they write. Rows are decoded through `Table`.
 * Never reads a sealed secret into a result it returns for export (the
 * service maps rows field by field).
 */
@Injectable()
export class WorkspaceTransferRepository {
  private readonly integrations: Table<Integration>;
  private readonly templates: Table<ElementTemplate>;
  private readonly revisions: Table<ElementRevision>;
  private readonly customizations: Table<ElementCustomization>;
  private readonly tenants: Table<Tenant>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.integrations = Table.of(dataSource, Integration);
    this.templates = Table.of(dataSource, ElementTemplate);
    this.revisions = Table.of(dataSource, ElementRevision);
    this.customizations = Table.of(dataSource, ElementCustomization);
    this.tenants = Table.of(dataSource, Tenant);
  }

  /**
   * Serialises imports into one workspace: a transaction-level advisory lock
   * (PostgreSQL manual, "Advisory Locks") on the workspace id, held until the
   * caller's transaction ends, so two imports never both create one key.
   */
  async lockWorkspace(manager: EntityManager, workspaceId: string): Promise<void> {
    await queryRows(
      manager,
      `SELECT pg_advisory_xact_lock(hashtextextended('workspace-transfer:' || $1::text, 0))::text AS locked`,
      [workspaceId],
      { locked: 'string' },
    );
  }

  /** Makes the caller's transaction read-only from here on (a dry run): any write would fail. */
  async readOnly(manager: EntityManager): Promise<void> {
    await execute(manager, 'SET TRANSACTION READ ONLY', []);
  }

  /** The workspace's tenant field schema as stored now (not as a cache holds it). */
  async tenantFieldSchema(manager: EntityManager, workspaceId: string): Promise<Record<string, unknown> | null> {
    const row = await queryRow(
      manager,
      'SELECT tenant_field_schema AS schema FROM workspaces WHERE id = $1',
      [workspaceId],
      {
        schema: 'json',
      },
    );
    const schema = row?.schema ?? null;
    if (schema !== null && !isJsonObject(schema)) {
      throw new RowShapeError('workspaces', 'tenant_field_schema', 'a JSON object or null', schema);
    }
    return schema;
  }

  /** Sets (or clears) the workspace's tenant field schema, in the caller's transaction. */
  async setTenantFieldSchema(
    manager: EntityManager,
    workspaceId: string,
    schema: Record<string, unknown> | null,
  ): Promise<void> {
    await execute(manager, 'UPDATE workspaces SET tenant_field_schema = $2, updated_at = now() WHERE id = $1', [
      workspaceId,
      schema === null ? null : JSON.stringify(schema),
    ]);
  }

  /** Every integration of the workspace, archived ones too. */
  listIntegrations(manager: EntityManager, workspaceId: string): Promise<Columns<Integration>[]> {
    return this.integrations.query(
      manager,
      `SELECT ${this.integrations.columns} FROM integrations WHERE workspace_id = $1`,
      [workspaceId],
    );
  }

  /** A new integration as the document gives it, with no client secret (a document never carries one). */
  async insertIntegration(manager: EntityManager, workspaceId: string, values: ExportedIntegration): Promise<void> {
    await execute(
      manager,
      `INSERT INTO integrations (workspace_id, key, name, auth_type, client_id, sealed_client_secret, settings, archived_at)
       VALUES ($1, $2, $3, $4, $5, NULL, $6, CASE WHEN $7 THEN now() END)`,
      [
        workspaceId,
        values.key,
        values.name,
        values.authType,
        values.clientId,
        JSON.stringify(values.settings),
        values.archived,
      ],
    );
  }

  /** Sets what the document gives; the client secret stays what it was, an archive time stays if still archived. */
  async updateIntegration(manager: EntityManager, id: string, values: ExportedIntegration): Promise<void> {
    await execute(
      manager,
      `UPDATE integrations SET name = $2, auth_type = $3, client_id = $4, settings = $5,
         archived_at = CASE WHEN $6 THEN COALESCE(archived_at, now()) END, updated_at = now()
       WHERE id = $1`,
      [id, values.name, values.authType, values.clientId, JSON.stringify(values.settings), values.archived],
    );
  }

  /** Every element template of the workspace (of every type), archived ones too. */
  listElements(manager: EntityManager, workspaceId: string): Promise<Columns<ElementTemplate>[]> {
    return this.templates.query(
      manager,
      `SELECT ${this.templates.columns} FROM element_templates WHERE workspace_id = $1`,
      [workspaceId],
    );
  }

  /** Every revision of every element of the workspace, by element and revision. */
  listRevisions(manager: EntityManager, workspaceId: string): Promise<Columns<ElementRevision>[]> {
    return this.revisions.query(
      manager,
      `SELECT ${this.revisions.columns} FROM element_revisions WHERE workspace_id = $1 ORDER BY element_id, revision`,
      [workspaceId],
    );
  }

  /**
   * A new element with the document's whole history: the template at its
   * last revision and one revision row per revision, numbered as given, in
   * two statements. Returns the new template's id.
   */
  async insertElement(manager: EntityManager, workspaceId: string, element: ExportedElement): Promise<string> {
    const latest = element.revisions[element.revisions.length - 1];
    if (!latest) throw new Error(`element ${element.type}/${element.key} has no revision`);
    const row = await queryRow(
      manager,
      `INSERT INTO element_templates (workspace_id, element_type, key, name, definition, revision, archived_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7 THEN now() END) RETURNING id`,
      [
        workspaceId,
        element.type,
        element.key,
        latest.name,
        JSON.stringify(latest.definition),
        latest.revision,
        element.archived,
      ],
      { id: 'string' },
    );
    if (!row) throw new Error('INSERT … RETURNING returned no element template');
    await execute(
      manager,
      `INSERT INTO element_revisions (workspace_id, element_id, revision, name, definition)
       SELECT $1, $2, r.revision, r.name, r.definition
       FROM jsonb_to_recordset($3::jsonb) AS r(revision integer, name text, definition jsonb)`,
      [workspaceId, row.id, JSON.stringify(element.revisions)],
    );
    return row.id;
  }

  /** The element's next revision with this name and definition, recorded in its history in the same statement. */
  async reviseElement(
    manager: EntityManager,
    id: string,
    next: { name: string; definition: JsonObject },
  ): Promise<void> {
    await execute(
      manager,
      `WITH revised AS (
         UPDATE element_templates SET name = $2, definition = $3, revision = revision + 1, updated_at = now()
         WHERE id = $1 RETURNING workspace_id, id, revision, name, definition
       )
       INSERT INTO element_revisions (workspace_id, element_id, revision, name, definition)
       SELECT workspace_id, id, revision, name, definition FROM revised`,
      [id, next.name, JSON.stringify(next.definition)],
    );
  }

  /** Archives (keeping the first archive time) or restores an element. */
  async setElementArchived(manager: EntityManager, id: string, archived: boolean): Promise<void> {
    await execute(
      manager,
      `UPDATE element_templates SET archived_at = CASE WHEN $2 THEN COALESCE(archived_at, now()) END, updated_at = now()
       WHERE id = $1`,
      [id, archived],
    );
  }

  /** Every tenant of the workspace, archived ones too. */
  listTenants(manager: EntityManager, workspaceId: string): Promise<Columns<Tenant>[]> {
    return this.tenants.query(manager, `SELECT ${this.tenants.columns} FROM tenants WHERE workspace_id = $1`, [
      workspaceId,
    ]);
  }

  /** Every tenant's customisation in the workspace, with the type and key of the element it overlays. */
  async listCustomizations(manager: EntityManager, workspaceId: string): Promise<CustomizationRow[]> {
    const rows = await this.customizations.query(
      manager,
      `SELECT ${this.customizations.columnsOf('c')}, t.element_type AS element_type_of, t.key AS element_key
       FROM element_customizations c JOIN element_templates t ON t.id = c.element_id
       WHERE c.workspace_id = $1`,
      [workspaceId],
      { element_type_of: 'string', element_key: 'string' },
    );
    return rows.map(({ element_type_of, element_key, ...row }) => ({
      ...row,
      elementType: element_type_of as ElementType,
      key: element_key,
    }));
  }

  /** A new tenant, without credentials; its id. */
  async insertTenant(manager: EntityManager, workspaceId: string, values: TenantTransferValues): Promise<string> {
    const row = await queryRow(
      manager,
      `INSERT INTO tenants (workspace_id, internal_id, name, fields, is_test, ai_credits_rolling_30_day_limit, archived_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7 THEN now() END) RETURNING id`,
      [
        workspaceId,
        values.internalId,
        values.name,
        JSON.stringify(values.fields),
        values.isTest,
        values.aiCreditsRolling30DayLimit,
        values.archived,
      ],
      { id: 'string' },
    );
    if (!row) throw new Error('INSERT … RETURNING returned no tenant');
    return row.id;
  }

  /** Sets what the document gives; credentials, token revocations and activity stay as they are. */
  async updateTenant(manager: EntityManager, id: string, values: TenantTransferValues): Promise<void> {
    await execute(
      manager,
      `UPDATE tenants SET name = $2, fields = $3, is_test = $4, ai_credits_rolling_30_day_limit = $5,
         archived_at = CASE WHEN $6 THEN COALESCE(archived_at, now()) END, updated_at = now()
       WHERE id = $1`,
      [
        id,
        values.name,
        JSON.stringify(values.fields),
        values.isTest,
        values.aiCreditsRolling30DayLimit,
        values.archived,
      ],
    );
  }

  /** Sets (replaces) a tenant's overlay on an element. */
  async upsertCustomization(
    manager: EntityManager,
    values: Pick<ElementCustomization, 'workspaceId' | 'tenantId' | 'elementId' | 'definition'>,
  ): Promise<void> {
    await execute(
      manager,
      `INSERT INTO element_customizations (workspace_id, tenant_id, element_id, definition)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (element_id, tenant_id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()`,
      [values.workspaceId, values.tenantId, values.elementId, JSON.stringify(values.definition)],
    );
  }
}
