import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, execute, queryRow, queryRows, RowShapeError, Table } from '@switchboard/persistence';
import { DataSource, type EntityManager } from 'typeorm';

import { ElementCustomization } from '../elements/element-customization.entity.js';
import { ElementDeployment } from '../elements/element-deployment.entity.js';
import { ElementRevision } from '../elements/element-revision.entity.js';
import { ElementTemplate } from '../elements/element-template.entity.js';
import type { ElementType } from '../elements/element-type.js';
import { ElementKeyTakenError } from '../elements/elements.repository.js';
import { isJsonObject, type JsonObject } from '../elements/json-value.js';
import { EventSubscription } from '../events/event-subscription.entity.js';
import { Integration } from '../integrations/integration.entity.js';
import { Tenant } from '../tenants/tenant.entity.js';
import type { ExportedIntegration, ExportedOwnElement, ExportedTenant } from './transfer-document.js';

/**
 * What an import writes to a tenant's row: everything but credentials,
 * tokens, activity, its parent (set once every tenant of the document
 * exists: setTenantParent) and what hangs off it.
 */
export type TenantTransferValues = Omit<
  ExportedTenant,
  'parentInternalId' | 'customizations' | 'elements' | 'deployments' | 'subscriptions'
>;

/** An element to insert: a template (`tenantId` null, published at `publishedRevision`) or a tenant's own (published at its latest). */
export interface ElementInsert {
  tenantId: string | null;
  element: ExportedOwnElement;
  publishedRevision: number;
}

/**
 * The SQL of workspace export and import: whole-workspace reads of
 * integrations, elements (workspace templates and tenants' own, never the
 * universe's) with their revisions, tenants, customisations, canary pins and
 * live event subscriptions, and the writes an import makes (a subscription's
 * through EventsRepository, under its per-tenant cap lock). Every method takes the `EntityManager` of
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
  private readonly deployments: Table<ElementDeployment>;
  private readonly tenants: Table<Tenant>;
  private readonly subscriptions: Table<EventSubscription>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.integrations = Table.of(dataSource, Integration);
    this.templates = Table.of(dataSource, ElementTemplate);
    this.revisions = Table.of(dataSource, ElementRevision);
    this.customizations = Table.of(dataSource, ElementCustomization);
    this.deployments = Table.of(dataSource, ElementDeployment);
    this.tenants = Table.of(dataSource, Tenant);
    this.subscriptions = Table.of(dataSource, EventSubscription);
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
      `INSERT INTO integrations (workspace_id, key, name, auth_type, client_id, sealed_client_secret, settings, connector_key, archived_at)
       VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, CASE WHEN $8 THEN now() END)`,
      [
        workspaceId,
        values.key,
        values.name,
        values.authType,
        values.clientId,
        JSON.stringify(values.settings),
        values.connectorKey,
        values.archived,
      ],
    );
  }

  /** Sets what the document gives; the client secret stays what it was, an archive time stays if still archived. */
  async updateIntegration(manager: EntityManager, id: string, values: ExportedIntegration): Promise<void> {
    await execute(
      manager,
      `UPDATE integrations SET name = $2, auth_type = $3, client_id = $4, settings = $5, connector_key = $6,
         archived_at = CASE WHEN $7 THEN COALESCE(archived_at, now()) END, updated_at = now()
       WHERE id = $1`,
      [
        id,
        values.name,
        values.authType,
        values.clientId,
        JSON.stringify(values.settings),
        values.connectorKey,
        values.archived,
      ],
    );
  }

  /**
   * Every element of the workspace, of every type, archived ones too: its
   * templates (`tenantId` null) and its tenants' own elements. Universe
   * elements live in another table and are never among them.
   */
  listElements(manager: EntityManager, workspaceId: string): Promise<Columns<ElementTemplate>[]> {
    return this.templates.query(
      manager,
      `SELECT ${this.templates.columns} FROM element_templates WHERE workspace_id = $1`,
      [workspaceId],
    );
  }

  /** Every revision of every element of the workspace (templates' and tenants' own), by element and revision. */
  listRevisions(manager: EntityManager, workspaceId: string): Promise<Columns<ElementRevision>[]> {
    return this.revisions.query(
      manager,
      `SELECT ${this.revisions.columns} FROM element_revisions WHERE workspace_id = $1 ORDER BY element_id, revision`,
      [workspaceId],
    );
  }

  /**
   * Which of these `type/key` names this instance's universe holds (archived
   * ones too), as `type/key` strings. The universe is instance-wide and
   * readable by every scope.
   */
  async universeKeys(manager: EntityManager, names: { type: ElementType; key: string }[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows = await queryRows(
      manager,
      `SELECT u.element_type || '/' || u.key AS name FROM universe_elements u
       JOIN unnest($1::text[], $2::text[]) AS n(element_type, key) ON n.element_type = u.element_type AND n.key = u.key`,
      [names.map((name) => name.type), names.map((name) => name.key)],
      { name: 'string' },
    );
    return new Set(rows.map((row) => row.name));
  }

  /**
   * A new element with the document's whole history: the row at its last
   * revision and one revision row per revision, numbered as given. A
   * template and a tenant's own element never share a key: under the same
   * transaction-scoped advisory lock on (workspace, type, key) that
   * ElementsRepository.insert takes, the other level is checked first.
   * Returns the new element's id.
   * @throws ElementKeyTakenError when the key is the other level's.
   */
  async insertElement(manager: EntityManager, workspaceId: string, insert: ElementInsert): Promise<string> {
    const { element, tenantId } = insert;
    const latest = element.revisions[element.revisions.length - 1];
    if (!latest) throw new Error(`element ${element.type}/${element.key} has no revision`);
    await execute(manager, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `element-key:${workspaceId}:${element.type}:${element.key}`,
    ]);
    const other = await queryRow(
      manager,
      `SELECT tenant_id IS NULL AS template FROM element_templates
       WHERE workspace_id = $1 AND element_type = $2 AND key = $3
         AND (CASE WHEN $4::uuid IS NULL THEN tenant_id IS NOT NULL ELSE tenant_id IS NULL END)
       LIMIT 1`,
      [workspaceId, element.type, element.key, tenantId],
      { template: 'boolean' },
    );
    if (other) throw new ElementKeyTakenError(other.template ? 'workspace' : 'tenant');
    const row = await queryRow(
      manager,
      `INSERT INTO element_templates
         (workspace_id, tenant_id, element_type, key, name, definition, parent_key, revision, published_revision, archived_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $10 THEN now() END) RETURNING id`,
      [
        workspaceId,
        tenantId,
        element.type,
        element.key,
        latest.name,
        JSON.stringify(latest.definition),
        element.parentKey,
        latest.revision,
        insert.publishedRevision,
        element.archived,
      ],
      { id: 'string' },
    );
    if (!row) throw new Error('INSERT … RETURNING returned no element template');
    await execute(
      manager,
      `INSERT INTO element_revisions (workspace_id, tenant_id, element_id, revision, name, definition)
       SELECT $1, $2, $3, r.revision, r.name, r.definition
       FROM jsonb_to_recordset($4::jsonb) AS r(revision integer, name text, definition jsonb)`,
      [workspaceId, tenantId, row.id, JSON.stringify(element.revisions)],
    );
    return row.id;
  }

  /**
   * The element's next revision with this name, definition and parent,
   * recorded in its history in the same statement; with `publish` it is what
   * every tenant sees from now on (canary pins dropped, as
   * ElementsRepository.revise does), else a draft. Its new revision number.
   */
  async reviseElement(
    manager: EntityManager,
    id: string,
    next: { name: string; definition: JsonObject; parentKey: string | null; publish: boolean },
  ): Promise<number> {
    const row = await queryRow(
      manager,
      `WITH revised AS (
         UPDATE element_templates SET name = $2, definition = $3, parent_key = $4, revision = revision + 1,
           published_revision = CASE WHEN $5 THEN revision + 1 ELSE published_revision END, updated_at = now()
         WHERE id = $1 RETURNING workspace_id, tenant_id, id, revision, name, definition
       )
       INSERT INTO element_revisions (workspace_id, tenant_id, element_id, revision, name, definition)
       SELECT workspace_id, tenant_id, id, revision, name, definition FROM revised RETURNING revision`,
      [id, next.name, JSON.stringify(next.definition), next.parentKey, next.publish],
      { revision: 'number' },
    );
    if (!row) throw new Error(`element ${id} vanished while revised`);
    if (next.publish) await execute(manager, 'DELETE FROM element_deployments WHERE element_id = $1', [id]);
    return row.revision;
  }

  /** Makes an existing revision what every tenant sees, every canary pin dropped. */
  async publishElement(manager: EntityManager, id: string, revision: number): Promise<void> {
    await execute(manager, 'UPDATE element_templates SET published_revision = $2, updated_at = now() WHERE id = $1', [
      id,
      revision,
    ]);
    await execute(manager, 'DELETE FROM element_deployments WHERE element_id = $1', [id]);
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

  /** Every canary pin of the workspace. */
  listDeployments(manager: EntityManager, workspaceId: string): Promise<Columns<ElementDeployment>[]> {
    return this.deployments.query(
      manager,
      `SELECT ${this.deployments.columns} FROM element_deployments WHERE workspace_id = $1`,
      [workspaceId],
    );
  }

  /** Pins a tenant to a revision of a template (replacing its pin). */
  async upsertDeployment(
    manager: EntityManager,
    values: Pick<ElementDeployment, 'workspaceId' | 'elementId' | 'tenantId' | 'revision'>,
  ): Promise<void> {
    await execute(
      manager,
      `INSERT INTO element_deployments (workspace_id, element_id, tenant_id, revision) VALUES ($1, $2, $3, $4)
       ON CONFLICT (element_id, tenant_id) DO UPDATE SET revision = EXCLUDED.revision, updated_at = now()`,
      [values.workspaceId, values.elementId, values.tenantId, values.revision],
    );
  }

  /** Every tenant of the workspace, archived ones too. */
  listTenants(manager: EntityManager, workspaceId: string): Promise<Columns<Tenant>[]> {
    return this.tenants.query(manager, `SELECT ${this.tenants.columns} FROM tenants WHERE workspace_id = $1`, [
      workspaceId,
    ]);
  }

  /** Every tenant's customisation in the workspace, each naming the `(type, key)` it overlays. */
  listCustomizations(manager: EntityManager, workspaceId: string): Promise<Columns<ElementCustomization>[]> {
    return this.customizations.query(
      manager,
      `SELECT ${this.customizations.columns} FROM element_customizations WHERE workspace_id = $1`,
      [workspaceId],
    );
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

  /** Sets (replaces) a tenant's overlay on whatever `(type, key)` resolves to for it. */
  async upsertCustomization(
    manager: EntityManager,
    values: Pick<ElementCustomization, 'workspaceId' | 'tenantId' | 'elementType' | 'key' | 'definition'>,
  ): Promise<void> {
    await execute(
      manager,
      `INSERT INTO element_customizations (workspace_id, tenant_id, element_type, key, definition)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, element_type, key) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()`,
      [values.workspaceId, values.tenantId, values.elementType, values.key, JSON.stringify(values.definition)],
    );
  }

  /**
   * Locks the rows of the workspace's tenants with these `internalId`s until
   * the caller's transaction ends (FOR NO KEY UPDATE, in id order as
   * TenantsRepository.lockForLinking takes its locks), so that no link made
   * beside the import (`PATCH /tenants/{id} {parentId}`) can go deeper than
   * one level with the links the import sets. Rows that reference a tenant
   * (connections, events) can still be written meanwhile.
   */
  async lockTenants(manager: EntityManager, workspaceId: string, internalIds: string[]): Promise<void> {
    if (internalIds.length === 0) return;
    await queryRows(
      manager,
      `SELECT id FROM tenants WHERE workspace_id = $1 AND internal_id = ANY($2::text[]) ORDER BY id FOR NO KEY UPDATE`,
      [workspaceId, internalIds],
      { id: 'string' },
    );
  }

  /** Sets (or with null clears) a tenant's parent, a tenant of the same workspace (the composite foreign key). */
  async setTenantParent(manager: EntityManager, id: string, parentId: string | null): Promise<void> {
    await execute(manager, 'UPDATE tenants SET parent_id = $2, updated_at = now() WHERE id = $1', [id, parentId]);
  }

  /** The live (not deleted) event subscriptions of the workspace, or of one of its tenants. */
  listSubscriptions(
    manager: EntityManager,
    workspaceId: string,
    tenantId: string | null = null,
  ): Promise<Columns<EventSubscription>[]> {
    return this.subscriptions.query(
      manager,
      `SELECT ${this.subscriptions.columns} FROM event_subscriptions
       WHERE workspace_id = $1 AND archived_at IS NULL AND ($2::uuid IS NULL OR tenant_id = $2)`,
      [workspaceId, tenantId],
    );
  }
}
