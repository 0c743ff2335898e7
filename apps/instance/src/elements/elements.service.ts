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
import type { IntegrationSelector } from '../integrations/integration-selector.pipe.js';
import { IntegrationsService } from '../integrations/integrations.service.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { namedTenant, requireAdmin, requireTenant } from '../workspaces/require-admin.js';
import { activityActorOf, scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { definitionProblem } from './definition-bounds.js';
import type { ElementRevision } from './element-revision.entity.js';
import type { ElementTemplate } from './element-template.entity.js';
import type { ElementType } from './element-type.js';
import type {
  CreateElementDto,
  CustomizationDto,
  DeploymentDto,
  ElementDto,
  ElementRevisionDto,
  ListElementsQueryDto,
  PatchElementDto,
  PublishElementDto,
  UpdateElementDto,
} from './elements.dto.js';
import {
  ElementKeyTakenError,
  ElementsRepository,
  type ResolutionView,
  type ResolvedRow,
  type TemplateKeys,
} from './elements.repository.js';
import {
  FilledTooLargeError,
  fillPlaceholders,
  MAX_FILLED_CHARACTERS,
  type PlaceholderTenant,
} from './fill-placeholders.js';
import { isJsonObject, type JsonObject } from './json-value.js';
import { composeOverlay, mergeDefinition } from './merge-definition.js';

const MAX_REVISION = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How a request names one element: by key, by id, or (a path segment) by either, the key winning. */
export type ElementSelector = { key: string } | { id: string } | { keyOrId: string };

/** A view and, for a tenant's view, the tenant its placeholders name. */
interface Viewer {
  view: ResolutionView;
  tenant: PlaceholderTenant | null;
}

/**
 * Elements of all five types at all three levels, told apart only by
 * `element_type` and by where a row lives. Every read goes through one
 * resolution (ElementsRepository.resolve / resolvePage): the tenant's own
 * element, else the workspace template (over its universe parent), else the
 * universe element, at the revision published to the tenant; then the
 * tenant's customisation, then placeholders (see MERGE_RULE_DOC). Every query
 * runs in the caller's scope: row-level security confines templates to the
 * workspace and tenants' own elements and customisations to their tenant, so
 * another workspace's elements and another tenant's own simply do not exist
 * here.
 *
 * Decisions: a template whose universe parent is archived keeps merging the
 * parent's last definition (`parentArchived: true`), so archiving upstream
 * never silently changes a workspace; naming an archived (or unknown) parent
 * is a 400. A template and a tenant's own element never share a key: creating
 * either where the other exists is a 409.
 */
@Injectable()
export class ElementsService {
  constructor(
    private readonly scope: TenantScope,
    private readonly elements: ElementsRepository,
    private readonly activity: ActivityLogService,
    private readonly integrations: IntegrationsService,
  ) {}

  /**
   * Membrane's `integration(key).getConnectorSpec()`: the `spec` object of the
   * connector the integration names, resolved for the caller like any
   * `GET /connectors/{key}`.
   * @throws DomainException 404 when the integration is not found, names no connector, or the connector has no `spec` object.
   */
  async connectorSpec(principal: WorkspacePrincipal, selector: IntegrationSelector): Promise<JsonObject> {
    const integration = await this.integrations.get(principal, selector);
    if (!integration.connectorKey) throw DomainException.notFound("This integration's connector");
    const connector = await this.get(principal, 'connector', { key: integration.connectorKey });
    const spec = connector.definition['spec'];
    if (!isJsonObject(spec)) throw DomainException.notFound(`A spec in the connector "${connector.key}"`);
    return spec;
  }

  /**
   * An admin lists templates and the universe elements they do not shadow
   * (or, with `tenantId`, what that tenant sees); a tenant lists its views of
   * the live ones, its own included.
   */
  async list(principal: WorkspacePrincipal, type: ElementType, query: ListElementsQueryDto): Promise<Page<ElementDto>> {
    if (query.includeArchived && (!principal.isAdmin || query.tenantId)) {
      throw DomainException.forbidden('Only an admin token, reading no tenant, may list archived elements.');
    }
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const search = query.search ? `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    return this.scope.run(scopeOf(principal), async (manager) => {
      const viewer = await this.viewerOf(manager, principal, query.tenantId, query.includeArchived ?? false);
      const rows = await this.elements.resolvePage(manager, type, viewer.view, { search, after, limit: limit + 1 });
      return toPage(
        rows,
        limit,
        (row) => ({ at: row.position, id: row.id }),
        (row) => toElementDto(row, viewer.tenant),
      );
    });
  }

  /** An admin reads the element at its latest revision (archived too), or as `tenantId` sees it; a tenant its view. */
  async get(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    tenantId?: string,
  ): Promise<ElementDto> {
    return this.scope.run(scopeOf(principal), async (manager) => {
      const viewer = await this.viewerOf(manager, principal, tenantId, true);
      const row = await this.elements.resolve(manager, type, selectorValues(selector), viewer.view);
      if (!row) throw notFound(type);
      return toElementDto(row, viewer.tenant);
    });
  }

  /**
   * An admin creates a workspace template, a tenant its own element (level
   * "tenant"), at revision 1.
   * @throws DomainException 409 when the key is used at the same level, or is
   *   a template's (for a tenant) or a tenant's own element's (for an admin);
   *   400 when `parentKey` names no live universe element.
   */
  async create(principal: WorkspacePrincipal, type: ElementType, dto: CreateElementDto): Promise<ElementDto> {
    const owner = principal.isAdmin ? null : requireTenant(principal).id;
    return this.scope.run(scopeOf(principal), async (manager) => {
      const parentKey = await this.checkedParent(manager, type, dto.parentKey ?? null);
      let row: Columns<ElementTemplate>;
      try {
        row = await this.elements.insert(manager, {
          workspaceId: principal.workspace.id,
          tenantId: owner,
          elementType: type,
          key: dto.key,
          name: dto.name,
          definition: dto.definition,
          parentKey,
        });
      } catch (error) {
        if (error instanceof ElementKeyTakenError) {
          throw DomainException.conflict(
            error.takenBy === 'workspace'
              ? `A workspace ${type} has the key "${dto.key}"; a tenant's own element needs another key.`
              : `A tenant's own ${type} has the key "${dto.key}"; a workspace template needs another key.`,
          );
        }
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
          throw DomainException.conflict(
            `A ${type} with key "${dto.key}" already exists ${owner ? 'for this tenant' : 'in this workspace'} (archived ones too: restore it instead).`,
          );
        }
        throw error;
      }
      await this.elements.insertRevision(manager, row);
      await this.record(manager, principal, 'element.created', row);
      return this.respond(manager, principal, type, row.id);
    });
  }

  /**
   * A new revision with the given definition (and name, and parent); tenants'
   * customisations stay as they are. An admin changes a template: live for
   * every tenant, or a draft with `publish: false`. A tenant changes its own
   * element (never a draft).
   */
  async update(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    dto: UpdateElementDto,
  ): Promise<ElementDto> {
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.findOwnLive(manager, principal, type, selector);
      if (dto.publish === false && current.tenantId !== null) {
        throw DomainException.validation("A tenant's own element has no drafts: leave publish out.", [
          { field: 'publish', message: "has no meaning for a tenant's own element" },
        ]);
      }
      const parentKey =
        dto.parentKey === undefined || dto.parentKey === current.parentKey
          ? current.parentKey
          : await this.checkedParent(manager, type, dto.parentKey);
      const row = await this.revise(manager, current, {
        name: dto.name ?? current.name,
        definition: dto.definition,
        parentKey,
        publish: dto.publish ?? true,
      });
      await this.record(manager, principal, 'element.updated', row, { published: dto.publish ?? true });
      return this.respond(manager, principal, type, row.id);
    });
  }

  /**
   * PATCH, as Membrane's SDK uses it. An admin patches the template, a tenant
   * its own element: the definition becomes current ⊕ patch (JSON Merge Patch,
   * the rule tenants' views use) in a new revision, the name changes if given.
   * A tenant patching any other element patches its customisation (see
   * composeOverlay), creating it if it has none, and gets its new view; a
   * tenant naming `name` there is refused (403): templates stay read-only to
   * tenants. A result beyond the definition bounds is a 400.
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
    return this.scope.run(scopeOf(principal), async (manager) => {
      const owner = principal.isAdmin ? null : requireTenant(principal).id;
      const own = await this.elements.find(manager, type, selectorValues(selector), { tenantId: owner, lock: true });
      if (!own && owner) {
        if (dto.name !== undefined)
          throw DomainException.forbidden("A tenant customises an element's definition only.");
        return this.patchCustomization(manager, principal, type, selector, dto.definition!);
      }
      const current = live(own, type);
      const definition = dto.definition ? withinBounds(mergeDefinition(current.definition, dto.definition)) : null;
      const row = await this.revise(manager, current, {
        name: dto.name ?? current.name,
        definition: definition ?? current.definition,
        parentKey: current.parentKey,
        publish: true,
      });
      await this.record(manager, principal, 'element.updated', row);
      return this.respond(manager, principal, type, row.id);
    });
  }

  private async patchCustomization(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    patch: JsonObject,
  ): Promise<ElementDto> {
    const self = requireTenant(principal);
    const element = await this.target(manager, principal, type, selector);
    const target = { workspaceId: principal.workspace.id, tenantId: self.id, elementType: type, key: element.key };
    const current = await this.elements.lockCustomization(manager, target);
    const definition = withinBounds(composeOverlay(current.definition, patch));
    await this.elements.upsertCustomization(manager, { ...target, definition });
    await this.record(manager, principal, 'element.customized', element);
    return this.respondByKey(manager, principal, type, element.key);
  }

  /** Newest first; a page cursor carries the last revision number seen. An admin reads a template's, a tenant its own element's. */
  async revisions(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    query: PageQueryDto,
  ): Promise<Page<ElementRevisionDto>> {
    const limit = pageLimit(query);
    const before = revisionCursor(query.cursor);
    return this.scope.run(scopeOf(principal), async (manager) => {
      const element = await this.findOwn(manager, principal, type, selector, false);
      const rows = await this.elements.listRevisionsPage(manager, element.id, { before, limit: limit + 1 });
      return toPage(rows, limit, (row) => ({ at: row.position, id: String(row.revision) }), toRevisionDto);
    });
  }

  /**
   * Rollback. Without `tenantIds`: copies an old revision into a new one that
   * goes live for every tenant (history only grows; customisations stay).
   * With `tenantIds` (templates only): publishes the old revision itself to
   * those tenants, as POST …/publish does.
   */
  async rollback(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    revision: number,
    tenantIds?: string[],
  ): Promise<ElementDto> {
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.findOwnLive(manager, principal, type, selector);
      const old = await this.elements.findRevision(manager, current.id, revision);
      if (!old) throw DomainException.notFound(`Revision ${revision} of this ${type}`);
      if (tenantIds) {
        await this.publishTo(manager, current, revision, tenantIds);
        await this.record(manager, principal, 'element.rolled_back', current, { from: revision, tenantIds });
        return this.respond(manager, principal, type, current.id);
      }
      const row = await this.revise(manager, current, {
        name: old.name,
        definition: old.definition,
        parentKey: current.parentKey,
        publish: true,
      });
      await this.record(manager, principal, 'element.rolled_back', row, { from: revision });
      return this.respond(manager, principal, type, row.id);
    });
  }

  /**
   * Makes an existing revision of a template what every tenant sees (every
   * canary pin dropped), or only the listed tenants (pinned to it). Publishing
   * an older revision is a rollback; customisations stay either way.
   * @throws DomainException 404 for a revision or a listed tenant that does not exist; 409 if archived.
   */
  async publish(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    dto: PublishElementDto,
  ): Promise<DeploymentDto> {
    requireAdmin(principal, 'Publishing an element');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.findOwnLive(manager, principal, type, selector);
      if (!(await this.elements.findRevision(manager, current.id, dto.revision))) {
        throw DomainException.notFound(`Revision ${dto.revision} of this ${type}`);
      }
      await this.publishTo(manager, current, dto.revision, dto.tenantIds);
      await this.record(manager, principal, 'element.published', current, {
        published: dto.revision,
        tenantIds: dto.tenantIds ?? null,
      });
      return this.deploymentOf(manager, current.id);
    });
  }

  /** Which revision of a template the workspace's live tenants see. */
  async deployment(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
  ): Promise<DeploymentDto> {
    requireAdmin(principal, 'Reading the deployment of an element');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const element = await this.findOwn(manager, principal, type, selector, false);
      return this.deploymentOf(manager, element.id);
    });
  }

  /**
   * Archive or restore (an admin a template, a tenant its own element): tenants
   * stop (or start again) seeing it; customisations are kept either way.
   */
  async setArchived(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    archived: boolean,
  ): Promise<ElementDto> {
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.findOwn(manager, principal, type, selector, true);
      const row = await this.elements.setArchived(manager, current.id, archived);
      if (!row) throw notFound(type);
      if ((current.archivedAt !== null) !== archived) {
        await this.record(manager, principal, archived ? 'element.archived' : 'element.restored', row);
      }
      return this.respond(manager, principal, type, row.id);
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
      const element = await this.target(manager, principal, type, selector);
      const row = await this.elements.findCustomization(manager, {
        tenantId: tenant.id,
        elementType: type,
        key: element.key,
      });
      if (!row) throw DomainException.notFound(`A customisation of this ${type}`);
      return {
        definition: row.definition,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      };
    });
  }

  /** Sets (replaces) the calling tenant's overlay on whatever the key resolves to, at any level, and returns its new view. */
  async customize(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    definition: JsonObject,
  ): Promise<ElementDto> {
    const self = requireTenant(principal);
    return this.scope.run(scopeOf(principal), async (manager) => {
      const element = await this.target(manager, principal, type, selector);
      await this.elements.upsertCustomization(manager, {
        workspaceId: principal.workspace.id,
        tenantId: self.id,
        elementType: type,
        key: element.key,
        definition,
      });
      await this.record(manager, principal, 'element.customized', element);
      return this.respondByKey(manager, principal, type, element.key);
    });
  }

  /** Drops the calling tenant's overlay (if any) and returns its view of the element alone. */
  async resetCustomization(
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
  ): Promise<ElementDto> {
    const self = requireTenant(principal);
    return this.scope.run(scopeOf(principal), async (manager) => {
      const element = await this.target(manager, principal, type, selector);
      const removed = await this.elements.deleteCustomization(manager, {
        tenantId: self.id,
        elementType: type,
        key: element.key,
      });
      if (removed > 0) await this.record(manager, principal, 'element.customization_reset', element);
      return this.respondByKey(manager, principal, type, element.key);
    });
  }

  /**
   * Whose view a read computes, and the tenant its placeholders name: a
   * tenant's own (naming another tenant is 403); an admin's of the workspace
   * at latest revisions (`archived` ones too when asked), or, with
   * `tenantId`, exactly what that tenant sees (404 for a tenant not in the workspace).
   */
  private async viewerOf(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    tenantId: string | undefined,
    archived: boolean,
  ): Promise<Viewer> {
    const viewed = namedTenant(principal, tenantId);
    if (viewed === null) return { view: { tenantId: null, latest: true, archived }, tenant: null };
    const tenant = await this.elements.findPlaceholderTenant(manager, viewed);
    if (!tenant) throw DomainException.notFound('The tenant');
    return { view: { tenantId: viewed, latest: false, archived: false }, tenant };
  }

  /** The element a tenant customises: whatever the selector resolves to in its view (404 if nothing live). */
  private async target(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
  ): Promise<ResolvedRow> {
    const self = requireTenant(principal);
    const row = await this.elements.resolve(manager, type, selectorValues(selector), {
      tenantId: self.id,
      latest: false,
      archived: false,
    });
    if (!row) throw notFound(type);
    return row;
  }

  /**
   * The stored element the caller may change: for an admin a workspace
   * template, for a tenant its own element; with `lock`, locked until the
   * transaction ends. A tenant naming an element it can read but not change
   * (a template, a universe element) gets 403, one it cannot read 404.
   */
  private async findOwn(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
    lock: boolean,
  ): Promise<Columns<ElementTemplate>> {
    const owner = principal.isAdmin ? null : requireTenant(principal).id;
    const keys = selectorValues(selector);
    const row = await this.elements.find(manager, type, keys, { tenantId: owner, lock });
    if (row) return row;
    if (
      owner &&
      (await this.elements.resolve(manager, type, keys, { tenantId: owner, latest: false, archived: false }))
    ) {
      throw DomainException.forbidden(`This ${type} is not the tenant's own: templates stay read-only to tenants.`);
    }
    throw notFound(type);
  }

  /** As findOwn, locked, and not archived (409: an archived element is frozen until restored). */
  private async findOwnLive(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    type: ElementType,
    selector: ElementSelector,
  ): Promise<Columns<ElementTemplate>> {
    return live(await this.findOwn(manager, principal, type, selector, true), type);
  }

  /** The parent key if it names a live universe element of the type; null stays null. */
  private async checkedParent(
    manager: EntityManager,
    type: ElementType,
    parentKey: string | null,
  ): Promise<string | null> {
    if (parentKey === null) return null;
    const parent = await this.elements.findUniverse(manager, type, parentKey);
    if (!parent || parent.archived) {
      throw DomainException.validation(`parentKey: names no live universe ${type}.`, [
        { field: 'parentKey', message: `names no live universe ${type} ("${parentKey}")` },
      ]);
    }
    return parentKey;
  }

  private async publishTo(
    manager: EntityManager,
    element: Columns<ElementTemplate>,
    revision: number,
    tenantIds: string[] | undefined,
  ): Promise<void> {
    if (element.tenantId !== null) {
      throw DomainException.validation("A tenant's own element is not published: it has no drafts or canaries.", [
        { field: 'tenantIds', message: "has no meaning for a tenant's own element" },
      ]);
    }
    if (!tenantIds) return this.elements.publishToAll(manager, element.id, revision);
    const found = await this.elements.publishToTenants(manager, element, revision, tenantIds);
    if (found !== new Set(tenantIds).size) {
      throw DomainException.notFound('One or more of the listed tenants (live ones, in this workspace)');
    }
  }

  private async deploymentOf(manager: EntityManager, id: string): Promise<DeploymentDto> {
    const deployment = await this.elements.deployment(manager, id);
    // The caller found the template in this transaction: it cannot have gone.
    if (!deployment) throw new Error(`element ${id} vanished while reading its deployment`);
    return deployment;
  }

  /** The next revision of the element, recorded in its history too. */
  private async revise(
    manager: EntityManager,
    current: Columns<ElementTemplate>,
    next: { name: string; definition: JsonObject; parentKey: string | null; publish: boolean },
  ): Promise<Columns<ElementTemplate>> {
    const row = await this.elements.revise(manager, current.id, next);
    // The caller found it in this transaction, locked: it cannot have gone.
    if (!row) throw new Error(`element ${current.id} vanished while locked`);
    await this.elements.insertRevision(manager, row);
    return row;
  }

  /** The caller's view of the element it just wrote (archived too): an admin's at the latest revision, a tenant's own. */
  private async respond(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    type: ElementType,
    id: string,
  ): Promise<ElementDto> {
    return this.respondTo(manager, principal, type, { key: null, id });
  }

  private async respondByKey(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    type: ElementType,
    key: string,
  ): Promise<ElementDto> {
    return this.respondTo(manager, principal, type, { key, id: null });
  }

  private async respondTo(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    type: ElementType,
    keys: TemplateKeys,
  ): Promise<ElementDto> {
    const viewer = await this.viewerOf(manager, principal, undefined, true);
    const row = await this.elements.resolve(manager, type, keys, { ...viewer.view, archived: true });
    // Written or read in this transaction, in this scope: it cannot be missing.
    if (!row) throw new Error(`element ${keys.key ?? keys.id} not resolvable after a write`);
    return toElementDto(row, viewer.tenant);
  }

  private async record(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    type: string,
    element: Pick<ElementTemplate, 'key' | 'revision'> & { elementType: ElementType },
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

/** An element found for a change, not archived: 409 otherwise (restore it first). */
function live(row: Columns<ElementTemplate> | null, type: ElementType): Columns<ElementTemplate> {
  if (!row) throw notFound(type);
  if (row.archivedAt) throw DomainException.conflict(`This ${type} is archived; restore it first.`);
  return row;
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

/**
 * The element as a viewer sees it: the universe parent's definition (if any)
 * with the element's laid over it; for a tenant's view, then its
 * customisation and placeholders (see MERGE_RULE_DOC).
 */
function toElementDto(row: ResolvedRow, tenant: PlaceholderTenant | null): ElementDto {
  const base = row.parentDefinition ? mergeDefinition(row.parentDefinition, row.definition) : row.definition;
  const customization = tenant ? row.customization : null;
  const definition = tenant ? filled(customization ? mergeDefinition(base, customization) : base, tenant, row) : base;
  return {
    id: row.id,
    elementType: row.elementType,
    level: row.level,
    tenantId: row.tenantId,
    key: row.key,
    name: row.name,
    definition,
    revision: row.revision,
    publishedRevision: row.publishedRevision,
    latestRevision: row.latestRevision,
    parentKey: row.parentKey,
    parentRevision: row.parentDefinition ? row.parentRevision : null,
    parentArchived: row.parentArchived,
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
function filled(definition: JsonObject, tenant: PlaceholderTenant, row: ResolvedRow): JsonObject {
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
