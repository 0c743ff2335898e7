import { Injectable } from '@nestjs/common';
import { decodeCursor, DomainException, type Page, pageLimit, type PageQueryDto, toPage } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { ActivityLogService } from '../activity-logs/activity-log.service.js';
import { requireAdmin, requireTenant } from '../auth/require-admin.js';
import { scopeOf, type WorkspacePrincipal } from '../auth/workspace-principal.js';
import { TenantScope } from '../database/tenant-scope.js';
import { definitionProblem } from './definition-bounds.js';
import type { ElementType } from './element-type.js';
import type {
  CreateElementDto,
  CustomizationDto,
  ElementDto,
  ElementRevisionDto,
  ListElementsQueryDto,
  PatchElementDto,
  UpdateElementDto,
} from './elements.dto.js';
import { fillPlaceholders, type PlaceholderTenant } from './fill-placeholders.js';
import type { JsonObject } from './json-value.js';
import { composeOverlay, mergeDefinition } from './merge-definition.js';

const UNIQUE_VIOLATION = '23505';
const MAX_REVISION = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How a request names one element: by key, by id, or (a path segment) by either, the key winning. */
export type ElementSelector = { key: string } | { id: string } | { keyOrId: string };

interface TemplateRow {
  id: string;
  element_type: ElementType;
  key: string;
  name: string;
  definition: JsonObject;
  revision: number;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
  /** The calling tenant's overlay, in reads that join it. */
  customization?: JsonObject | null;
  /** created_at at full (microsecond) precision, for cursors (only in list queries). */
  position?: string;
}

interface RevisionRow {
  revision: number;
  name: string;
  definition: JsonObject;
  created_at: Date;
}

const TEMPLATE_COLUMNS = `t.id, t.element_type, t.key, t.name, t.definition, t.revision,
  t.created_at, t.updated_at, t.archived_at`;

/**
 * Elements of all four types, told apart only by `element_type`. Every query
 * runs in the caller's scope: row-level security confines templates to the
 * workspace and customisations to the calling tenant, so another workspace's
 * elements and another tenant's customisations simply do not exist here.
 * A tenant's view is computed at read time (see MERGE_RULE_DOC), never stored.
 */
@Injectable()
export class ElementsService {
  constructor(
    private readonly scope: TenantScope,
    private readonly activity: ActivityLogService,
  ) {}

  /** An admin lists templates; a tenant lists its views of the live (not archived) ones. */
  async list(principal: WorkspacePrincipal, type: ElementType, query: ListElementsQueryDto): Promise<Page<ElementDto>> {
    if (query.includeArchived && !principal.isAdmin) {
      throw DomainException.forbidden('Only an admin token may list archived elements.');
    }
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const search = query.search ? `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    return this.scope.run(scopeOf(principal), async (manager) => {
      const tenant = await this.placeholderTenant(manager, principal);
      const rows = await manager.query<TemplateRow[]>(
        `SELECT ${TEMPLATE_COLUMNS}, c.definition AS customization, to_json(t.created_at) #>> '{}' AS position
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
          principal.tenant?.id ?? null,
          query.includeArchived ?? false,
          search,
          after?.at ?? null,
          after?.id ?? null,
          limit + 1,
        ],
      );
      return toPage(
        rows,
        limit,
        (row) => ({ at: row.position!, id: row.id }),
        (row) => toElementDto(row, tenant),
      );
    });
  }

  /** An admin reads the template (archived too); a tenant its view of a live one. */
  async get(principal: WorkspacePrincipal, type: ElementType, selector: ElementSelector): Promise<ElementDto> {
    return this.scope.run(scopeOf(principal), async (manager) => {
      const tenant = await this.placeholderTenant(manager, principal);
      const row = await this.find(manager, type, selector, { tenantId: principal.tenant?.id ?? null });
      if (!principal.isAdmin && row.archived_at) throw notFound(type);
      return toElementDto(row, tenant);
    });
  }

  async create(principal: WorkspacePrincipal, type: ElementType, dto: CreateElementDto): Promise<ElementDto> {
    requireAdmin(principal, 'Creating an element');
    return this.scope.run(scopeOf(principal), async (manager) => {
      let rows: TemplateRow[];
      try {
        rows = await manager.query<TemplateRow[]>(
          `INSERT INTO element_templates AS t (workspace_id, element_type, key, name, definition, revision)
           VALUES ($1, $2, $3, $4, $5, 1) RETURNING ${TEMPLATE_COLUMNS}`,
          [principal.workspace.id, type, dto.key, dto.name, JSON.stringify(dto.definition)],
        );
      } catch (error) {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
          throw DomainException.conflict(
            `A ${type} with key "${dto.key}" already exists in this workspace (archived ones too: restore it instead).`,
          );
        }
        throw error;
      }
      const row = rows[0];
      await this.recordRevision(manager, principal, row);
      await this.record(manager, principal, 'element.created', row);
      return toElementDto(row, null);
    });
  }

  /** A new revision with the given definition (and name); tenants' customisations stay as they are. */
  async update(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    dto: UpdateElementDto,
  ): Promise<ElementDto> {
    requireAdmin(principal, 'Changing an element');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.findLive(manager, principal, type, selector);
      const row = await this.revise(manager, principal, current.id, dto.name ?? current.name, dto.definition);
      await this.record(manager, principal, 'element.updated', row);
      return toElementDto(row, null);
    });
  }

  /**
   * PATCH, as Membrane's SDK uses it. An admin patches the template: the
   * definition becomes template ⊕ patch (JSON Merge Patch, the rule tenants'
   * views use) in a new revision, the name changes if given. A tenant patches
   * its customisation (see composeOverlay), creating it if it has none, and
   * gets its new view; a tenant naming `name` is refused (403): templates stay
   * read-only to tenants. A result beyond the definition bounds is a 400.
   */
  async patch(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    dto: PatchElementDto,
  ): Promise<ElementDto> {
    if (dto.name === undefined && dto.definition === undefined) {
      throw DomainException.validation('Give a name or a definition to change.', [
        { field: 'definition', message: 'a name or a definition is needed' },
      ]);
    }
    if (!principal.isAdmin) {
      if (dto.name !== undefined) throw DomainException.forbidden("A tenant customises an element's definition only.");
      return this.patchCustomization(principal, type, selector, dto.definition!);
    }
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.findLive(manager, principal, type, selector);
      const definition = dto.definition ? withinBounds(mergeDefinition(current.definition, dto.definition)) : null;
      const row = await this.revise(
        manager,
        principal,
        current.id,
        dto.name ?? current.name,
        definition ?? current.definition,
      );
      await this.record(manager, principal, 'element.updated', row);
      return toElementDto(row, null);
    });
  }

  private async patchCustomization(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    patch: JsonObject,
  ): Promise<ElementDto> {
    const self = requireTenant(principal);
    return this.scope.run(scopeOf(principal), async (manager) => {
      const element = await this.findLive(manager, principal, type, selector);
      // An empty row first, so that the one to change can be locked: concurrent patches apply one after the other.
      await manager.query(
        `INSERT INTO element_customizations (workspace_id, tenant_id, element_id, definition)
         VALUES ($1, $2, $3, '{}') ON CONFLICT (element_id, tenant_id) DO NOTHING`,
        [principal.workspace.id, self.id, element.id],
      );
      const [current] = await manager.query<{ definition: JsonObject }[]>(
        'SELECT definition FROM element_customizations WHERE element_id = $1 AND tenant_id = $2 FOR UPDATE',
        [element.id, self.id],
      );
      const definition = withinBounds(composeOverlay(current.definition, patch));
      await manager.query(
        `UPDATE element_customizations SET definition = $3, updated_at = now()
         WHERE element_id = $1 AND tenant_id = $2`,
        [element.id, self.id, JSON.stringify(definition)],
      );
      await this.record(manager, principal, 'element.customized', element);
      return toElementDto({ ...element, customization: definition }, await this.placeholderTenant(manager, principal));
    });
  }

  /** Newest first; a page cursor carries the last revision number seen. */
  async revisions(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    query: PageQueryDto,
  ): Promise<Page<ElementRevisionDto>> {
    requireAdmin(principal, 'Reading the revisions of an element');
    const limit = pageLimit(query);
    const before = revisionCursor(query.cursor);
    return this.scope.run(scopeOf(principal), async (manager) => {
      const element = await this.find(manager, type, selector, { tenantId: null });
      const rows = await manager.query<(RevisionRow & { position: string })[]>(
        `SELECT revision, name, definition, created_at, to_json(created_at) #>> '{}' AS position
         FROM element_revisions
         WHERE element_id = $1 AND ($2::integer IS NULL OR revision < $2)
         ORDER BY revision DESC
         LIMIT $3`,
        [element.id, before, limit + 1],
      );
      return toPage(rows, limit, (row) => ({ at: row.position, id: String(row.revision) }), toRevisionDto);
    });
  }

  /** Copies an old revision into a new one: history only grows, and customisations stay. */
  async rollback(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    revision: number,
  ): Promise<ElementDto> {
    requireAdmin(principal, 'Rolling an element back');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.findLive(manager, principal, type, selector);
      const [old] = await manager.query<RevisionRow[]>(
        'SELECT revision, name, definition, created_at FROM element_revisions WHERE element_id = $1 AND revision = $2',
        [current.id, revision],
      );
      if (!old) throw DomainException.notFound(`Revision ${revision} of this ${type}`);
      const row = await this.revise(manager, principal, current.id, old.name, old.definition);
      await this.record(manager, principal, 'element.rolled_back', row, { from: revision });
      return toElementDto(row, null);
    });
  }

  /** Archive or restore: tenants stop (or start again) seeing it; their customisations are kept either way. */
  async setArchived(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    archived: boolean,
  ): Promise<ElementDto> {
    requireAdmin(principal, archived ? 'Archiving an element' : 'Restoring an element');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.find(manager, type, selector, { tenantId: null, lock: true });
      const [rows] = await manager.query<[TemplateRow[], number]>(
        `UPDATE element_templates t
         SET archived_at = CASE WHEN $2 THEN COALESCE(archived_at, now()) END, updated_at = now()
         WHERE id = $1 RETURNING ${TEMPLATE_COLUMNS}`,
        [current.id, archived],
      );
      if ((current.archived_at !== null) !== archived) {
        await this.record(manager, principal, archived ? 'element.archived' : 'element.restored', rows[0]);
      }
      return toElementDto(rows[0], null);
    });
  }

  /** The calling tenant's own overlay, as written; 404 when it has none. */
  async getCustomization(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
  ): Promise<CustomizationDto> {
    const tenant = requireTenant(principal);
    return this.scope.run(scopeOf(principal), async (manager) => {
      const element = await this.findLive(manager, principal, type, selector);
      const [row] = await manager.query<{ definition: JsonObject; created_at: Date; updated_at: Date }[]>(
        `SELECT definition, created_at, updated_at FROM element_customizations
         WHERE element_id = $1 AND tenant_id = $2`,
        [element.id, tenant.id],
      );
      if (!row) throw DomainException.notFound(`A customisation of this ${type}`);
      return {
        definition: row.definition,
        createdAt: row.created_at.toISOString(),
        updatedAt: row.updated_at.toISOString(),
      };
    });
  }

  /** Sets (replaces) the calling tenant's overlay and returns its new view. */
  async customize(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    definition: JsonObject,
  ): Promise<ElementDto> {
    const self = requireTenant(principal);
    return this.scope.run(scopeOf(principal), async (manager) => {
      const element = await this.findLive(manager, principal, type, selector);
      await manager.query(
        `INSERT INTO element_customizations (workspace_id, tenant_id, element_id, definition)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (element_id, tenant_id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()`,
        [principal.workspace.id, self.id, element.id, JSON.stringify(definition)],
      );
      await this.record(manager, principal, 'element.customized', element);
      return toElementDto({ ...element, customization: definition }, await this.placeholderTenant(manager, principal));
    });
  }

  /** Drops the calling tenant's overlay (if any) and returns the template's view. */
  async resetCustomization(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
  ): Promise<ElementDto> {
    const self = requireTenant(principal);
    return this.scope.run(scopeOf(principal), async (manager) => {
      const element = await this.findLive(manager, principal, type, selector);
      const [, removed] = await manager.query<[unknown[], number]>(
        'DELETE FROM element_customizations WHERE element_id = $1 AND tenant_id = $2',
        [element.id, self.id],
      );
      if (removed > 0) await this.record(manager, principal, 'element.customization_reset', element);
      return toElementDto({ ...element, customization: null }, await this.placeholderTenant(manager, principal));
    });
  }

  private async find(
    manager: EntityManager,
    type: ElementType,
    selector: ElementSelector,
    options: { tenantId: string | null; lock?: boolean },
  ): Promise<TemplateRow> {
    const { key, id } = selectorValues(selector);
    // The tenant condition repeats what row-level security already enforces, so the join is right on its own.
    const [row] = await manager.query<TemplateRow[]>(
      `SELECT ${TEMPLATE_COLUMNS}, c.definition AS customization
       FROM element_templates t
       LEFT JOIN element_customizations c ON c.element_id = t.id AND c.tenant_id = $4
       WHERE t.element_type = $1 AND (t.key = $2 OR t.id = $3)
       ORDER BY t.key = $2 DESC NULLS LAST
       LIMIT 1 ${options.lock ? 'FOR UPDATE OF t' : ''}`,
      [type, key, id, options.tenantId],
    );
    if (!row) throw notFound(type);
    return row;
  }

  /**
   * A template that is not archived. An admin is about to change it: the row
   * stays locked until the transaction ends, and an archived one is frozen
   * (409). A tenant only customises it: no lock (tenants must not queue behind
   * each other), and an archived one does not exist for it (404).
   */
  private async findLive(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
  ): Promise<TemplateRow> {
    const row = await this.find(manager, type, selector, { tenantId: null, lock: principal.isAdmin });
    if (row.archived_at) {
      if (!principal.isAdmin) throw notFound(type);
      throw DomainException.conflict(`This ${type} is archived; restore it first.`);
    }
    return row;
  }

  private async revise(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    id: string,
    name: string,
    definition: JsonObject,
  ): Promise<TemplateRow> {
    const [rows] = await manager.query<[TemplateRow[], number]>(
      `UPDATE element_templates t SET name = $2, definition = $3, revision = revision + 1, updated_at = now()
       WHERE id = $1 RETURNING ${TEMPLATE_COLUMNS}`,
      [id, name, JSON.stringify(definition)],
    );
    await this.recordRevision(manager, principal, rows[0]);
    return rows[0];
  }

  private async recordRevision(manager: EntityManager, principal: WorkspacePrincipal, row: TemplateRow): Promise<void> {
    await manager.query(
      `INSERT INTO element_revisions (workspace_id, element_id, revision, name, definition)
       VALUES ($1, $2, $3, $4, $5)`,
      [principal.workspace.id, row.id, row.revision, row.name, JSON.stringify(row.definition)],
    );
  }

  /** What placeholders may name: the calling tenant as stored now (not as its token claimed), or none for an admin. */
  private async placeholderTenant(
    manager: EntityManager,
    principal: WorkspacePrincipal,
  ): Promise<PlaceholderTenant | null> {
    if (!principal.tenant) return null;
    const [row] = await manager.query<{ name: string; internal_id: string; fields: Record<string, unknown> }[]>(
      'SELECT name, internal_id, fields FROM tenants WHERE id = $1',
      [principal.tenant.id],
    );
    if (!row) throw DomainException.notFound('The tenant');
    return { name: row.name, internalId: row.internal_id, fields: row.fields };
  }

  private async record(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    type: string,
    element: TemplateRow,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    await this.activity.record(manager, {
      workspaceId: principal.workspace.id,
      tenantId: principal.tenant?.id ?? null,
      type,
      actor: principal.tenant ? 'tenant' : 'admin',
      data: { elementType: element.element_type, key: element.key, revision: element.revision, ...data },
    });
  }
}

function selectorValues(selector: ElementSelector): { key: string | null; id: string | null } {
  if ('keyOrId' in selector) {
    return { key: selector.keyOrId, id: UUID.test(selector.keyOrId) ? selector.keyOrId : null };
  }
  if ('key' in selector) return { key: selector.key, id: null };
  return { key: null, id: selector.id };
}

/** A merged definition or overlay still within the bounds its parts were checked against. */
function withinBounds(definition: JsonObject): JsonObject {
  const problem = definitionProblem(definition);
  if (problem) {
    throw DomainException.validation(`definition: once merged, ${problem}.`, [
      { field: 'definition', message: `once merged, ${problem}` },
    ]);
  }
  return definition;
}

function notFound(type: ElementType): DomainException {
  return DomainException.notFound(`The ${type}`);
}

/** Revision pages are keyed by revision number; the cursor's time only satisfies the shared cursor format. */
function revisionCursor(cursor: string | undefined): number | null {
  const position = decodeCursor(cursor, (id) => /^[1-9]\d{0,9}$/.test(id) && Number(id) <= MAX_REVISION);
  return position ? Number(position.id) : null;
}

function toElementDto(row: TemplateRow, tenant: PlaceholderTenant | null): ElementDto {
  const customization = tenant ? (row.customization ?? null) : null;
  const definition = tenant
    ? fillPlaceholders(customization ? mergeDefinition(row.definition, customization) : row.definition, tenant)
    : row.definition;
  return {
    id: row.id,
    elementType: row.element_type,
    key: row.key,
    name: row.name,
    definition,
    revision: row.revision,
    isCustomized: customization !== null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    archivedAt: row.archived_at?.toISOString() ?? null,
  };
}

function toRevisionDto(row: RevisionRow): ElementRevisionDto {
  return {
    revision: row.revision,
    name: row.name,
    definition: row.definition,
    createdAt: row.created_at.toISOString(),
  };
}
