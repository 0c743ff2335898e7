import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, execute, type ExtraRow, queryRow, RowShapeError, Table } from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { ElementCustomization } from './element-customization.entity.js';
import { ElementRevision } from './element-revision.entity.js';
import { ElementTemplate } from './element-template.entity.js';
import type { ElementType } from './element-type.js';
import type { PlaceholderTenant } from './fill-placeholders.js';
import { isJsonObject, type JsonObject } from './json-value.js';

/** A template as one tenant reads it: with its own overlay, or null (and always null for an admin scope). */
export type TemplateRow = Columns<ElementTemplate> & { customization: JsonObject | null };

/** A template row with its cursor position (created_at at full microsecond precision). */
export type TemplatePageRow = TemplateRow & ExtraRow<{ position: 'string' }>;

/** A revision with its cursor position. */
export type RevisionPageRow = Columns<ElementRevision> & ExtraRow<{ position: 'string' }>;

/** How a read names one template: by key, by id, or both (the key winning); null: not by that. */
export interface TemplateKeys {
  key: string | null;
  id: string | null;
}

/**
 * All SQL of the elements feature (templates, their revisions, tenants'
 * customisations), rows decoded against the entities (see `Table`). Every
 * method takes the `EntityManager` of the caller's scoped transaction first:
 * each element operation reads and writes several of these tables at once.
 * Row-level security confines templates to the workspace and customisations
 * to the calling tenant.
 */
@Injectable()
export class ElementsRepository {
  private readonly templates: Table<ElementTemplate>;
  private readonly revisions: Table<ElementRevision>;
  private readonly customizations: Table<ElementCustomization>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.templates = Table.of(dataSource, ElementTemplate);
    this.revisions = Table.of(dataSource, ElementRevision);
    this.customizations = Table.of(dataSource, ElementCustomization);
  }

  /**
   * One page of templates of `type`, oldest first: with `tenantId`'s overlay
   * (none when null), archived ones only with `includeArchived`, whose name or
   * key matches `search` (an ILIKE pattern; null: all), after `after`; `limit`
   * rows at most.
   */
  async listPage(
    manager: EntityManager,
    type: ElementType,
    page: {
      tenantId: string | null;
      includeArchived: boolean;
      search: string | null;
      after: CursorPosition | null;
      limit: number;
    },
  ): Promise<TemplatePageRow[]> {
    const rows = await this.templates.query(
      manager,
      `SELECT ${this.templates.columnsOf('t')}, c.definition AS customization, to_json(t.created_at) #>> '{}' AS position
       FROM element_templates t
       LEFT JOIN element_customizations c ON c.element_id = t.id AND c.tenant_id = $2
       WHERE t.element_type = $1
         AND ($3 OR t.archived_at IS NULL)
         AND ($4::text IS NULL OR t.name ILIKE $4 OR t.key ILIKE $4)
         AND ($5::timestamptz IS NULL OR (t.created_at, t.id) > ($5::timestamptz, $6::uuid))
       ORDER BY t.created_at, t.id
       LIMIT $7`,
      [
        type,
        page.tenantId,
        page.includeArchived,
        page.search,
        page.after?.at ?? null,
        page.after?.id ?? null,
        page.limit,
      ],
      { customization: 'json', position: 'string' },
    );
    return rows.map(withCustomization);
  }

  /**
   * The template of `type` named by key or id (the key winning), archived or
   * not, with `tenantId`'s overlay; with `lock`, locked until the transaction
   * ends. Null when the scope sees none.
   */
  async find(
    manager: EntityManager,
    type: ElementType,
    keys: TemplateKeys,
    options: { tenantId: string | null; lock?: boolean },
  ): Promise<TemplateRow | null> {
    // The tenant condition repeats what row-level security already enforces, so the join is right on its own.
    const row = await this.templates.queryOne(
      manager,
      `SELECT ${this.templates.columnsOf('t')}, c.definition AS customization
       FROM element_templates t
       LEFT JOIN element_customizations c ON c.element_id = t.id AND c.tenant_id = $4
       WHERE t.element_type = $1 AND (t.key = $2 OR t.id = $3)
       ORDER BY t.key = $2 DESC NULLS LAST
       LIMIT 1 ${options.lock ? 'FOR UPDATE OF t' : ''}`,
      [type, keys.key, keys.id, options.tenantId],
      { customization: 'json' },
    );
    return row && withCustomization(row);
  }

  /**
   * Stores a new template at revision 1 and returns it (its revision row is
   * written by insertRevision).
   * @throws TypeORM's QueryFailedError (unique violation) when the key is taken in the workspace.
   */
  async insert(
    manager: EntityManager,
    template: Pick<ElementTemplate, 'workspaceId' | 'elementType' | 'key' | 'name' | 'definition'>,
  ): Promise<Columns<ElementTemplate>> {
    const row = await this.templates.queryOne(
      manager,
      `INSERT INTO element_templates AS t (workspace_id, element_type, key, name, definition, revision)
       VALUES ($1, $2, $3, $4, $5, 1) RETURNING ${this.templates.columnsOf('t')}`,
      [template.workspaceId, template.elementType, template.key, template.name, JSON.stringify(template.definition)],
    );
    if (!row) throw new Error('INSERT … RETURNING returned no element template');
    return row;
  }

  /** Sets a new name and definition as the next revision; the updated row, or null when the scope sees none. */
  revise(
    manager: EntityManager,
    id: string,
    next: { name: string; definition: JsonObject },
  ): Promise<Columns<ElementTemplate> | null> {
    return this.templates.queryOne(
      manager,
      `UPDATE element_templates t SET name = $2, definition = $3, revision = revision + 1, updated_at = now()
       WHERE id = $1 RETURNING ${this.templates.columnsOf('t')}`,
      [id, next.name, JSON.stringify(next.definition)],
    );
  }

  /** Archives (keeping the first archive time) or restores; the updated row, or null when the scope sees none. */
  setArchived(manager: EntityManager, id: string, archived: boolean): Promise<Columns<ElementTemplate> | null> {
    return this.templates.queryOne(
      manager,
      `UPDATE element_templates t
       SET archived_at = CASE WHEN $2 THEN COALESCE(archived_at, now()) END, updated_at = now()
       WHERE id = $1 RETURNING ${this.templates.columnsOf('t')}`,
      [id, archived],
    );
  }

  /** Records the template's current name and definition as its revision `template.revision`. */
  async insertRevision(manager: EntityManager, template: Columns<ElementTemplate>): Promise<void> {
    await execute(
      manager,
      `INSERT INTO element_revisions (workspace_id, element_id, revision, name, definition)
       VALUES ($1, $2, $3, $4, $5)`,
      [template.workspaceId, template.id, template.revision, template.name, JSON.stringify(template.definition)],
    );
  }

  /** One page of the template's revisions, newest first, before revision `before` (null: from the newest). */
  listRevisionsPage(
    manager: EntityManager,
    elementId: string,
    page: { before: number | null; limit: number },
  ): Promise<RevisionPageRow[]> {
    return this.revisions.query(
      manager,
      `SELECT ${this.revisions.columns}, to_json(created_at) #>> '{}' AS position
       FROM element_revisions
       WHERE element_id = $1 AND ($2::integer IS NULL OR revision < $2)
       ORDER BY revision DESC
       LIMIT $3`,
      [elementId, page.before, page.limit],
      { position: 'string' },
    );
  }

  /** One revision of the template, or null. */
  findRevision(manager: EntityManager, elementId: string, revision: number): Promise<Columns<ElementRevision> | null> {
    return this.revisions.queryOne(
      manager,
      `SELECT ${this.revisions.columns} FROM element_revisions WHERE element_id = $1 AND revision = $2`,
      [elementId, revision],
    );
  }

  /** The tenant's overlay on the template, or null when it has none. */
  findCustomization(
    manager: EntityManager,
    elementId: string,
    tenantId: string,
  ): Promise<Columns<ElementCustomization> | null> {
    return this.customizations.queryOne(
      manager,
      `SELECT ${this.customizations.columns} FROM element_customizations WHERE element_id = $1 AND tenant_id = $2`,
      [elementId, tenantId],
    );
  }

  /**
   * The tenant's overlay on the template, created empty (`{}`) when it has
   * none, and locked (`FOR UPDATE`) until the caller's transaction ends: a
   * tenant's concurrent patches then apply one after the other.
   */
  async lockCustomization(
    manager: EntityManager,
    key: Pick<ElementCustomization, 'workspaceId' | 'tenantId' | 'elementId'>,
  ): Promise<Columns<ElementCustomization>> {
    await execute(
      manager,
      `INSERT INTO element_customizations (workspace_id, tenant_id, element_id, definition)
       VALUES ($1, $2, $3, '{}') ON CONFLICT (element_id, tenant_id) DO NOTHING`,
      [key.workspaceId, key.tenantId, key.elementId],
    );
    const row = await this.customizations.queryOne(
      manager,
      `SELECT ${this.customizations.columns} FROM element_customizations
       WHERE element_id = $1 AND tenant_id = $2 FOR UPDATE`,
      [key.elementId, key.tenantId],
    );
    // Inserted or kept just above, in this transaction: absent only if the scope cannot see the tenant.
    if (!row) throw new Error(`element_customizations: no row for element ${key.elementId} after the upsert`);
    return row;
  }

  /** Sets (replaces) the tenant's overlay on the template. */
  async upsertCustomization(
    manager: EntityManager,
    customization: Pick<ElementCustomization, 'workspaceId' | 'tenantId' | 'elementId' | 'definition'>,
  ): Promise<void> {
    await execute(
      manager,
      `INSERT INTO element_customizations (workspace_id, tenant_id, element_id, definition)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (element_id, tenant_id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()`,
      [
        customization.workspaceId,
        customization.tenantId,
        customization.elementId,
        JSON.stringify(customization.definition),
      ],
    );
  }

  /** Drops the tenant's overlay on the template; how many rows went (0 or 1). */
  deleteCustomization(manager: EntityManager, elementId: string, tenantId: string): Promise<number> {
    return execute(manager, 'DELETE FROM element_customizations WHERE element_id = $1 AND tenant_id = $2', [
      elementId,
      tenantId,
    ]);
  }

  /** What placeholders may name about the tenant, as stored now; null when the scope does not see it. */
  async findPlaceholderTenant(manager: EntityManager, tenantId: string): Promise<PlaceholderTenant | null> {
    const row = await queryRow(manager, 'SELECT name, internal_id, fields FROM tenants WHERE id = $1', [tenantId], {
      name: 'string',
      internal_id: 'string',
      fields: 'json',
    });
    if (!row) return null;
    if (!isJsonObject(row.fields)) throw new RowShapeError('tenants', 'fields', 'a JSON object', row.fields);
    return { name: row.name, internalId: row.internal_id, fields: row.fields };
  }
}

/**
 * The joined overlay checked: a customisation's definition is a JSON object, or absent.
 * @throws RowShapeError otherwise.
 */
function withCustomization<R extends { customization: unknown }>(row: R): R & { customization: JsonObject | null } {
  const { customization } = row;
  if (customization === null) return { ...row, customization: null };
  if (!isJsonObject(customization)) {
    throw new RowShapeError('element_customizations', 'definition', 'a JSON object', customization);
  }
  return { ...row, customization };
}
