import { Injectable } from '@nestjs/common';
import type { Columns } from '@switchboard/persistence';
import {
  decodeCursor,
  DomainException,
  type Page,
  pageLimit,
  type PageQueryDto,
  toPage,
  UNIQUE_VIOLATION,
} from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { TenantScope } from '../database/tenant-scope.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { requireAdmin, requireTenant } from '../workspaces/require-admin.js';
import { activityActorOf, scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { definitionProblem } from './definition-bounds.js';
import type { ElementRevision } from './element-revision.entity.js';
import type { ElementTemplate } from './element-template.entity.js';
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
import { ElementsRepository, type TemplateKeys, type TemplateRow } from './elements.repository.js';
import {
  FilledTooLargeError,
  fillPlaceholders,
  MAX_FILLED_CHARACTERS,
  type PlaceholderTenant,
} from './fill-placeholders.js';
import type { JsonObject } from './json-value.js';
import { composeOverlay, mergeDefinition } from './merge-definition.js';

const MAX_REVISION = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How a request names one element: by key, by id, or (a path segment) by either, the key winning. */
export type ElementSelector = { key: string } | { id: string } | { keyOrId: string };

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
    private readonly elements: ElementsRepository,
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
      const rows = await this.elements.listPage(manager, type, {
        tenantId: principal.tenant?.id ?? null,
        includeArchived: query.includeArchived ?? false,
        search,
        after,
        limit: limit + 1,
      });
      return toPage(
        rows,
        limit,
        (row) => ({ at: row.position, id: row.id }),
        (row) => toElementDto(row, tenant),
      );
    });
  }

  /** An admin reads the template (archived too); a tenant its view of a live one. */
  async get(principal: WorkspacePrincipal, type: ElementType, selector: ElementSelector): Promise<ElementDto> {
    return this.scope.run(scopeOf(principal), async (manager) => {
      const tenant = await this.placeholderTenant(manager, principal);
      const row = await this.find(manager, type, selector, { tenantId: principal.tenant?.id ?? null });
      if (!principal.isAdmin && row.archivedAt) throw notFound(type);
      return toElementDto(row, tenant);
    });
  }

  async create(principal: WorkspacePrincipal, type: ElementType, dto: CreateElementDto): Promise<ElementDto> {
    requireAdmin(principal, 'Creating an element');
    return this.scope.run(scopeOf(principal), async (manager) => {
      let row: Columns<ElementTemplate>;
      try {
        row = await this.elements.insert(manager, {
          workspaceId: principal.workspace.id,
          elementType: type,
          key: dto.key,
          name: dto.name,
          definition: dto.definition,
        });
      } catch (error) {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
          throw DomainException.conflict(
            `A ${type} with key "${dto.key}" already exists in this workspace (archived ones too: restore it instead).`,
          );
        }
        throw error;
      }
      await this.elements.insertRevision(manager, row);
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
      const row = await this.revise(manager, current.id, dto.name ?? current.name, dto.definition);
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
      const row = await this.revise(manager, current.id, dto.name ?? current.name, definition ?? current.definition);
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
      const key = { workspaceId: principal.workspace.id, tenantId: self.id, elementId: element.id };
      const current = await this.elements.lockCustomization(manager, key);
      const definition = withinBounds(composeOverlay(current.definition, patch));
      await this.elements.upsertCustomization(manager, { ...key, definition });
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
      const rows = await this.elements.listRevisionsPage(manager, element.id, { before, limit: limit + 1 });
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
      const old = await this.elements.findRevision(manager, current.id, revision);
      if (!old) throw DomainException.notFound(`Revision ${revision} of this ${type}`);
      const row = await this.revise(manager, current.id, old.name, old.definition);
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
      const row = await this.elements.setArchived(manager, current.id, archived);
      if (!row) throw notFound(type);
      if ((current.archivedAt !== null) !== archived) {
        await this.record(manager, principal, archived ? 'element.archived' : 'element.restored', row);
      }
      return toElementDto(row, null);
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
      const row = await this.elements.findCustomization(manager, element.id, tenant.id);
      if (!row) throw DomainException.notFound(`A customisation of this ${type}`);
      return {
        definition: row.definition,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
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
      await this.elements.upsertCustomization(manager, {
        workspaceId: principal.workspace.id,
        tenantId: self.id,
        elementId: element.id,
        definition,
      });
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
      const removed = await this.elements.deleteCustomization(manager, element.id, self.id);
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
    const row = await this.elements.find(manager, type, selectorValues(selector), options);
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
    if (row.archivedAt) {
      if (!principal.isAdmin) throw notFound(type);
      throw DomainException.conflict(`This ${type} is archived; restore it first.`);
    }
    return row;
  }

  /** The next revision of the template, recorded in its history too. */
  private async revise(
    manager: EntityManager,
    id: string,
    name: string,
    definition: JsonObject,
  ): Promise<Columns<ElementTemplate>> {
    const row = await this.elements.revise(manager, id, { name, definition });
    // The caller found it in this transaction, locked: it cannot have gone.
    if (!row) throw new Error(`element template ${id} vanished while locked`);
    await this.elements.insertRevision(manager, row);
    return row;
  }

  /** What placeholders may name: the calling tenant as stored now (not as its token claimed), or none for an admin. */
  private async placeholderTenant(
    manager: EntityManager,
    principal: WorkspacePrincipal,
  ): Promise<PlaceholderTenant | null> {
    if (!principal.tenant) return null;
    const tenant = await this.elements.findPlaceholderTenant(manager, principal.tenant.id);
    if (!tenant) throw DomainException.notFound('The tenant');
    return tenant;
  }

  private async record(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    type: string,
    element: Columns<ElementTemplate>,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    await this.activity.record(manager, {
      workspaceId: principal.workspace.id,
      tenantId: principal.tenant?.id ?? null,
      type,
      ...activityActorOf(principal),
      data: { elementType: element.elementType, key: element.key, revision: element.revision, ...data },
    });
  }
}

function selectorValues(selector: ElementSelector): TemplateKeys {
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

function toElementDto(
  row: Columns<ElementTemplate> & Partial<Pick<TemplateRow, 'customization'>>,
  tenant: PlaceholderTenant | null,
): ElementDto {
  const customization = tenant ? (row.customization ?? null) : null;
  const definition = tenant
    ? filled(customization ? mergeDefinition(row.definition, customization) : row.definition, tenant, row)
    : row.definition;
  return {
    id: row.id,
    elementType: row.elementType,
    key: row.key,
    name: row.name,
    definition,
    revision: row.revision,
    isCustomized: customization !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archivedAt: row.archivedAt?.toISOString() ?? null,
  };
}

/**
 * The tenant's view with its placeholders filled in.
 *
 * @throws DomainException 409 when the filled text would exceed MAX_FILLED_CHARACTERS
 *   (the tenant's fields, or its customisation, name too much text): the tenant can
 *   shorten its fields or reset its customisation.
 */
function filled(definition: JsonObject, tenant: PlaceholderTenant, row: Columns<ElementTemplate>): JsonObject {
  try {
    return fillPlaceholders(definition, tenant);
  } catch (error) {
    if (!(error instanceof FilledTooLargeError)) throw error;
    throw DomainException.conflict(
      `The ${row.elementType} "${row.key}" cannot be shown to this tenant: its placeholders would fill in more than ` +
        `${MAX_FILLED_CHARACTERS} characters of tenant name and fields. Shorten the fields, or reset the customisation.`,
    );
  }
}

function toRevisionDto(row: Columns<ElementRevision>): ElementRevisionDto {
  return {
    revision: row.revision,
    name: row.name,
    definition: row.definition,
    createdAt: row.createdAt.toISOString(),
  };
}
