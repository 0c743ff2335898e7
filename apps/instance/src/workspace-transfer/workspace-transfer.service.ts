import { Injectable } from '@nestjs/common';
import type { Columns } from '@switchboard/persistence';
import { DomainException, OutboundPolicy, outboundUrlRefusal } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { TenantScope } from '../database/tenant-scope.js';
import type { ElementCustomization } from '../elements/element-customization.entity.js';
import type { ElementDeployment } from '../elements/element-deployment.entity.js';
import type { ElementRevision } from '../elements/element-revision.entity.js';
import type { ElementTemplate } from '../elements/element-template.entity.js';
import type { ElementType } from '../elements/element-type.js';
import { ElementKeyTakenError } from '../elements/elements.repository.js';
import type { EventSubscription } from '../events/event-subscription.entity.js';
import { MAX_SUBSCRIPTIONS_PER_TENANT } from '../events/event-subscriptions.dto.js';
import { EventsRepository } from '../events/events.repository.js';
import type { Integration } from '../integrations/integration.entity.js';
import { isIntegrationAuthType } from '../integrations/integrations.dto.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { EventOutbox, isEventType } from '../journal/event-outbox.js';
import type { Tenant } from '../tenants/tenant.entity.js';
import { TenantCache } from '../tenants/tenant-cache.js';
import { requireAdmin } from '../workspaces/require-admin.js';
import { TenantFieldsValidator } from '../workspaces/tenant-fields.validator.js';
import { WorkspaceCache } from '../workspaces/workspace-cache.js';
import { activityActorOf, scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import {
  byTypeAndKey,
  compareText,
  type DocumentProblem,
  documentProblems,
  type ExportedCustomization,
  type ExportedDeployment,
  type ExportedElement,
  type ExportedIntegration,
  type ExportedOwnElement,
  type ExportedRevision,
  type ExportedSubscription,
  type ExportedTenant,
  sameJson,
  serializeDocument,
  shapeProblems,
  TRANSFER_FORMAT,
  TRANSFER_VERSION,
  type TransferDocument,
} from './transfer-document.js';
import type { ImportResultDto, TransferAction, TransferChangesDto } from './workspace-transfer.dto.js';
import { type TenantTransferValues, WorkspaceTransferRepository } from './workspace-transfer.repository.js';

/** A stored element with its history, oldest first. */
interface HeldElement {
  row: Columns<ElementTemplate>;
  revisions: Columns<ElementRevision>[];
}

/**
 * What a workspace holds of what a document describes, as stored rows (ids
 * kept, to write by). Tenants' own elements are always read (a template's
 * key must not be one of theirs); tenants, customisations, pins and live
 * event subscriptions only when the document has tenants.
 */
interface HeldState {
  tenantFieldSchema: Record<string, unknown> | null;
  integrations: Columns<Integration>[];
  templates: HeldElement[];
  own: HeldElement[];
  tenants: Columns<Tenant>[] | null;
  customizations: Columns<ElementCustomization>[];
  deployments: Columns<ElementDeployment>[];
  subscriptions: Columns<EventSubscription>[];
}

/**
 * Workspace export and import (API.md, "Workspace export and import"), the
 * dev → production promotion: admin tokens only. An export is one canonical
 * JSON document of what an admin can set on this instance (the tenant field
 * schema, integrations, workspace templates with every revision, the
 * published one and their universe parent's key, optionally tenants with
 * their parent, customisations, own elements, canary pins and live event
 * subscriptions), never a secret, and
 * never a universe element (the platform's, on every instance): no client secret, tenant or
 * connection credentials, API keys or tokens, and no ids or timestamps, so
 * equal configurations export equal bytes. An import applies a document in
 * one transaction, all or nothing; it creates and updates, never deletes,
 * and never touches a secret (an integration keeps its client secret). The
 * same document imported twice changes nothing the second time.
 *
 * Decisions (elements at every level): a `parentKey` the target instance's
 * universe does not hold (archived ones count) is a 400 naming its path, as
 * creating such an element is (ElementsService); so is a `connectorKey`
 * naming no connector of the document, the workspace or the universe. A key
 * one level holds on the target and the document gives to the other (a
 * template's key as a tenant's own, or the reverse) is a 409. A
 * customisation may name any key (it targets whatever the key resolves to).
 *
 * Decisions (tenants): a parent is named by its `internalId` and must be a
 * tenant of the same document with no parent of its own (else 400, a cycle
 * named as one); a tenant the document makes a child while the workspace
 * holds children of it the document does not name is a 409 (one level, as
 * `PATCH /tenants/{id}` refuses it). Links are set once every tenant of the
 * document exists, under row locks on the document's tenants. An event
 * subscription is its content (event type, webhook URI): those a tenant
 * lacks are created, within its cap (else 409), each URI judged by the
 * outbound policy as `POST /event-subscriptions` does (else 400 naming its
 * path); none is deleted. The webhook URI is exported as the API shows it to
 * admins (it has no user-info: the outbound policy refuses that). A version-1
 * document carries neither, and its import leaves both as they are.
 * Connections, API keys, balances, usage and the event and activity logs are
 * never exported: credentials, money and history, not configuration.
 */
@Injectable()
export class WorkspaceTransferService {
  constructor(
    private readonly scope: TenantScope,
    private readonly repository: WorkspaceTransferRepository,
    private readonly fieldsValidator: TenantFieldsValidator,
    private readonly workspaces: WorkspaceCache,
    private readonly tenantCache: TenantCache,
    private readonly activity: ActivityLogService,
    private readonly events: EventOutbox,
    private readonly subscriptions: EventsRepository,
    private readonly outbound: OutboundPolicy,
  ) {}

  /**
   * The workspace's export document as RFC 8785 canonical JSON text.
   * @throws DomainException 403 for a tenant token.
   */
  async export(principal: WorkspacePrincipal, includeTenants: boolean): Promise<string> {
    requireAdmin(principal, 'Exporting the workspace');
    const held = await this.scope.run(scopeOf(principal), (manager) =>
      this.read(manager, principal.workspace.id, includeTenants),
    );
    return serializeDocument(toDocument(held));
  }

  /**
   * Validates `body` as a document and imports it: with `dryRun`, in a
   * read-only transaction that writes nothing; otherwise in one transaction,
   * imports into the workspace serialised by an advisory lock. Every item of
   * the document is reported `created`, `updated` or `unchanged`.
   * @throws DomainException 403 for a tenant token; 400 naming the JSON
   *   Pointer of each problem for a document that is not valid (unknown
   *   format or version included).
   */
  async import(principal: WorkspacePrincipal, body: unknown, dryRun: boolean): Promise<ImportResultDto> {
    requireAdmin(principal, 'Importing into the workspace');
    const document = this.validate(body);
    const workspaceId = principal.workspace.id;
    const outcome = await this.scope.run(scopeOf(principal), async (manager) => {
      if (dryRun) await this.repository.readOnly(manager);
      else {
        await this.repository.lockWorkspace(manager, workspaceId);
        const internalIds = (document.tenants ?? []).map((tenant) => tenant.internalId);
        await this.repository.lockTenants(manager, workspaceId, internalIds);
      }
      const held = await this.read(manager, workspaceId, document.tenants !== undefined);
      await this.checkAgainstTarget(manager, document, held);
      const importer = new Importer(this.repository, this.subscriptions, manager, workspaceId, !dryRun);
      const changes = await importer.run(document, held);
      if (!dryRun && importer.wrote) {
        await this.activity.record(manager, {
          workspaceId,
          tenantId: null,
          type: 'workspace.imported',
          ...activityActorOf(principal),
          data: { counts: countChanges(changes) },
        });
        for (const tenant of importer.createdTenants) {
          await this.events.enqueue(manager, {
            workspaceId,
            tenantId: tenant.id,
            type: 'tenant.created',
            data: { internalId: tenant.internalId },
          });
        }
      }
      return { changes, importer };
    });
    if (!dryRun) {
      if (outcome.changes.settings.some((change) => change.action !== 'unchanged')) {
        this.workspaces.invalidate(principal.workspace.key);
      }
      for (const internalId of outcome.importer.changedTenants) this.tenantCache.forget(workspaceId, internalId);
    }
    return { dryRun, changes: outcome.changes };
  }

  /** The document, or a 400 listing every problem found (at most 20), each by JSON Pointer. */
  private validate(body: unknown): TransferDocument {
    const shape = shapeProblems(body);
    if (shape.length > 0) throw invalid(shape);
    const document = body as TransferDocument;
    const problems = documentProblems(document);
    const schema = document.settings.tenantFieldSchema;
    if (schema !== null) {
      try {
        this.fieldsValidator.assertSchema(schema);
      } catch (error) {
        if (!(error instanceof DomainException)) throw error;
        problems.push({ path: '/settings/tenantFieldSchema', message: error.detail });
        throw invalid(problems);
      }
    }
    (document.tenants ?? []).forEach((tenant, index) => {
      try {
        this.fieldsValidator.assertFields(schema, tenant.fields);
      } catch (error) {
        if (!(error instanceof DomainException)) throw error;
        problems.push({ path: `/tenants/${index}/fields`, message: `breaks the tenant field schema: ${error.detail}` });
      }
      (tenant.subscriptions ?? []).forEach((subscription, at) => {
        const refusal = outboundUrlRefusal(subscription.webhookUri, this.outbound);
        if (refusal !== undefined) {
          problems.push({ path: `/tenants/${index}/subscriptions/${at}/webhookUri`, message: refusal });
        }
      });
    });
    if (problems.length > 0) throw invalid(problems);
    return document;
  }

  /**
   * What only the target can tell: parents in its universe, connectors it
   * can read, keys its other level holds.
   * @throws DomainException 400 naming each path whose parent or connector the target lacks; 409 for a key conflict.
   */
  private async checkAgainstTarget(manager: EntityManager, document: TransferDocument, held: HeldState): Promise<void> {
    const tenants = document.tenants ?? [];
    const parents: { path: string; type: ElementType; key: string }[] = [];
    document.elements.forEach((element, index) => {
      if (element.parentKey)
        parents.push({ path: `/elements/${index}/parentKey`, type: element.type, key: element.parentKey });
    });
    tenants.forEach((tenant, index) =>
      tenant.elements.forEach((element, at) => {
        if (element.parentKey) {
          parents.push({
            path: `/tenants/${index}/elements/${at}/parentKey`,
            type: element.type,
            key: element.parentKey,
          });
        }
      }),
    );
    const connectors = document.integrations.flatMap((integration, index) =>
      integration.connectorKey ? [{ path: `/integrations/${index}/connectorKey`, key: integration.connectorKey }] : [],
    );
    const universe = await this.repository.universeKeys(manager, [
      ...parents,
      ...connectors.map(({ key }) => ({ type: 'connector' as const, key })),
    ]);
    const problems: DocumentProblem[] = parents
      .filter((parent) => !universe.has(`${parent.type}/${parent.key}`))
      .map((parent) => ({
        path: parent.path,
        message: `names no universe ${parent.type} of this instance ("${parent.key}")`,
      }));
    const workspaceConnectors = new Set([
      ...document.elements.filter((e) => e.type === 'connector').map((e) => e.key),
      ...held.templates.filter((e) => e.row.elementType === 'connector').map((e) => e.row.key),
    ]);
    for (const connector of connectors) {
      if (!workspaceConnectors.has(connector.key) && !universe.has(`connector/${connector.key}`)) {
        problems.push({
          path: connector.path,
          message: `names no connector of the document, the workspace or the universe ("${connector.key}")`,
        });
      }
    }
    if (problems.length > 0) throw invalid(problems);

    const ownKeys = new Set(held.own.map((element) => elementId(element.row)));
    const templateKeys = new Set(held.templates.map((element) => elementId(element.row)));
    const conflicts: string[] = [];
    document.elements.forEach((element, index) => {
      if (ownKeys.has(elementId(element))) {
        conflicts.push(`/elements/${index}/key: ${elementId(element)} is a tenant's own element here`);
      }
    });
    tenants.forEach((tenant, index) =>
      tenant.elements.forEach((element, at) => {
        if (templateKeys.has(elementId(element))) {
          conflicts.push(`/tenants/${index}/elements/${at}/key: ${elementId(element)} is a workspace template here`);
        }
      }),
    );
    if (conflicts.length > 0) throw keyConflict(conflicts.slice(0, 20));
    if (held.tenants) linkConflicts(tenants, held.tenants);
  }

  private async read(manager: EntityManager, workspaceId: string, includeTenants: boolean): Promise<HeldState> {
    const tenantFieldSchema = await this.repository.tenantFieldSchema(manager, workspaceId);
    const integrations = await this.repository.listIntegrations(manager, workspaceId);
    const rows = await this.repository.listElements(manager, workspaceId);
    const revisions = await this.repository.listRevisions(manager, workspaceId);
    const byElement = new Map<string, Columns<ElementRevision>[]>();
    for (const revision of revisions) {
      const list = byElement.get(revision.elementId) ?? [];
      list.push(revision);
      byElement.set(revision.elementId, list);
    }
    const elements = rows.map((row) => ({ row, revisions: byElement.get(row.id) ?? [] }));
    const templates = elements.filter((element) => element.row.tenantId === null);
    const own = elements.filter((element) => element.row.tenantId !== null);
    const held = {
      tenantFieldSchema,
      integrations,
      templates,
      own,
      customizations: [],
      deployments: [],
      subscriptions: [],
    };
    if (!includeTenants) return { ...held, tenants: null };
    return {
      ...held,
      tenants: await this.repository.listTenants(manager, workspaceId),
      customizations: await this.repository.listCustomizations(manager, workspaceId),
      deployments: await this.repository.listDeployments(manager, workspaceId),
      subscriptions: await this.repository.listSubscriptions(manager, workspaceId),
    };
  }
}

/**
 * One level of links (API.md, "Linked tenants"): a tenant the document makes
 * a child must not keep children here that the document does not name (those
 * it names get the document's parents).
 * @throws DomainException 409 naming each such tenant's path and children.
 */
function linkConflicts(tenants: ExportedTenant[], held: Columns<Tenant>[]): void {
  const named = new Set(tenants.map((tenant) => tenant.internalId));
  const heldByInternalId = new Map(held.map((row) => [row.internalId, row]));
  const childrenOf = groupBy(
    held.filter((row) => row.parentId !== null && !named.has(row.internalId)),
    (row) => row.parentId ?? '',
  );
  const conflicts: string[] = [];
  tenants.forEach((tenant, index) => {
    const row = heldByInternalId.get(tenant.internalId);
    if (!tenant.parentInternalId || !row) return;
    const children = (childrenOf.get(row.id) ?? []).map((child) => `"${child.internalId}"`).sort(compareText);
    if (children.length > 0) {
      conflicts.push(
        `/tenants/${index}/parentInternalId: "${tenant.internalId}" has children here the document does not name ` +
          `(${children.slice(0, 5).join(', ')}${children.length > 5 ? ', …' : ''})`,
      );
    }
  });
  if (conflicts.length > 0) {
    throw DomainException.conflict(
      `Tenants link one level deep only: a tenant the document makes a child has children of its own here: ` +
        conflicts.slice(0, 20).join('; '),
    );
  }
}

function keyConflict(conflicts: string[]): DomainException {
  return DomainException.conflict(
    `A key of the document is held by the other level in this workspace (a template and a tenant's own element ` +
      `never share a key): ${conflicts.join('; ')}`,
  );
}

function invalid(problems: DocumentProblem[]): DomainException {
  const errors = problems.map((problem) => ({ field: problem.path, message: problem.message }));
  return DomainException.validation(
    `The document is not a valid workspace export: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
    errors,
  );
}

// ---- Rows → document: the one place that maps each stored kind to its exported form. ----

function toDocument(held: HeldState): TransferDocument {
  const document: TransferDocument = {
    format: TRANSFER_FORMAT,
    version: TRANSFER_VERSION,
    settings: { tenantFieldSchema: held.tenantFieldSchema },
    integrations: held.integrations.map(exportIntegration).sort((a, b) => compareText(a.key, b.key)),
    elements: held.templates.map(exportElement).sort(byTypeAndKey),
  };
  if (held.tenants) {
    const customizations = groupBy(held.customizations, (row) => row.tenantId);
    const own = groupBy(held.own, (element) => element.row.tenantId ?? '');
    const deployments = groupBy(held.deployments, (row) => row.tenantId);
    const subscriptions = groupBy(held.subscriptions, (row) => row.tenantId);
    const templates = new Map(held.templates.map((element) => [element.row.id, element.row]));
    const internalIds = new Map(held.tenants.map((tenant) => [tenant.id, tenant.internalId]));
    document.tenants = held.tenants
      .map((tenant) =>
        exportTenant(tenant, parentInternalIdOf(tenant, internalIds), {
          customizations: (customizations.get(tenant.id) ?? []).map((row) => ({
            type: row.elementType,
            key: row.key,
            definition: row.definition,
          })),
          elements: (own.get(tenant.id) ?? []).map(exportOwnElement),
          deployments: (deployments.get(tenant.id) ?? []).map((row) => {
            const template = templates.get(row.elementId);
            // A pin's foreign key holds it to a template of the workspace, read in the same transaction.
            if (!template) throw new Error(`element_deployments: pin on ${row.elementId}, no such template`);
            return { type: template.elementType, key: template.key, revision: row.revision };
          }),
          subscriptions: (subscriptions.get(tenant.id) ?? []).map(exportSubscription),
        }),
      )
      .sort((a, b) => compareText(a.internalId, b.internalId));
  }
  return document;
}

/** The parent's `internalId`: a tenant of the same workspace (a composite foreign key), read in the same transaction. */
function parentInternalIdOf(row: Columns<Tenant>, internalIds: Map<string, string>): string | null {
  if (row.parentId === null) return null;
  const parent = internalIds.get(row.parentId);
  if (parent === undefined) throw new Error(`tenants: ${row.id} has parent ${row.parentId}, no such tenant`);
  return parent;
}

/** @throws Error for a stored type none of EVENT_TYPES: only those are ever written (a bug, not bad input). */
function exportSubscription(row: Columns<EventSubscription>): ExportedSubscription {
  if (!isEventType(row.eventType)) throw new Error(`event subscription ${row.id} has an unknown type ${row.eventType}`);
  return { eventType: row.eventType, webhookUri: row.webhookUri };
}

/** Orders subscriptions by event type, then webhook URI. */
function byTypeAndUri(a: ExportedSubscription, b: ExportedSubscription): number {
  return compareText(a.eventType, b.eventType) || compareText(a.webhookUri, b.webhookUri);
}

/** A subscription's identity within its tenant: its content. */
function subscriptionId(subscription: { eventType: string; webhookUri: string }): string {
  return `${subscription.eventType} ${subscription.webhookUri}`;
}

function groupBy<T>(rows: T[], keyOf: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const list = groups.get(keyOf(row)) ?? [];
    list.push(row);
    groups.set(keyOf(row), list);
  }
  return groups;
}

/** Never `sealedClientSecret`. */
function exportIntegration(row: Columns<Integration>): ExportedIntegration {
  if (!isIntegrationAuthType(row.authType)) throw new Error(`integration ${row.id} has auth type ${row.authType}`);
  return {
    key: row.key,
    name: row.name,
    authType: row.authType,
    clientId: row.clientId,
    settings: row.settings,
    connectorKey: row.connectorKey,
    archived: row.archivedAt !== null,
  };
}

function exportOwnElement({ row, revisions }: HeldElement): ExportedOwnElement {
  return {
    type: row.elementType,
    key: row.key,
    parentKey: row.parentKey,
    archived: row.archivedAt !== null,
    revisions: revisions
      .map((revision) => ({ revision: revision.revision, name: revision.name, definition: revision.definition }))
      .sort((a, b) => a.revision - b.revision),
  };
}

function exportElement(element: HeldElement): ExportedElement {
  return { ...exportOwnElement(element), publishedRevision: element.row.publishedRevision };
}

/** Never `sealedCredentials`, token revocations, activity or balances. */
function exportTenant(
  row: Columns<Tenant>,
  parentInternalId: string | null,
  parts: Required<Pick<ExportedTenant, 'customizations' | 'elements' | 'deployments' | 'subscriptions'>>,
): ExportedTenant {
  return {
    internalId: row.internalId,
    parentInternalId,
    name: row.name,
    fields: row.fields,
    isTest: row.isTest,
    aiCreditsRolling30DayLimit: row.aiCreditsRolling30DayLimit,
    archived: row.archivedAt !== null,
    customizations: parts.customizations.sort(byTypeAndKey),
    elements: parts.elements.sort(byTypeAndKey),
    deployments: parts.deployments.sort(byTypeAndKey),
    subscriptions: parts.subscriptions.sort(byTypeAndUri),
  };
}

function countChanges(changes: TransferChangesDto): Record<string, Record<TransferAction, number>> {
  const counts: Record<string, Record<TransferAction, number>> = {};
  for (const [section, list] of Object.entries(changes) as [string, { action: TransferAction }[]][]) {
    const count = { created: 0, updated: 0, unchanged: 0 };
    for (const change of list) count[change.action] += 1;
    counts[section] = count;
  }
  return counts;
}

// ---- Document → writes ----

/** What an element's import left: its id (null: a dry run would create it) and how to find a document revision in its history. */
interface ImportedElement {
  action: TransferAction;
  id: string | null;
  /** The element's revision number holding document revision `n`'s name and definition, or null. */
  revisionOf: (n: number) => number | null;
}

/**
 * One import: compares each item of the document with what the workspace
 * holds and, when `write`, makes the change in the caller's transaction.
 * Without `write` it only reports (a dry run; its transaction is read-only).
 */
class Importer {
  wrote = false;
  readonly createdTenants: { id: string; internalId: string }[] = [];
  readonly changedTenants: string[] = [];
  /** Templates whose canary pins this import dropped (a published revision drops them). */
  private readonly unpinned = new Set<string>();

  constructor(
    private readonly repository: WorkspaceTransferRepository,
    private readonly events: EventsRepository,
    private readonly manager: EntityManager,
    private readonly workspaceId: string,
    private readonly write: boolean,
  ) {}

  async run(document: TransferDocument, held: HeldState): Promise<TransferChangesDto> {
    const changes: TransferChangesDto = {
      settings: [{ key: 'tenantFieldSchema', action: await this.settings(document, held) }],
      integrations: [],
      elements: [],
      tenants: [],
      customizations: [],
      tenantElements: [],
      deployments: [],
      subscriptions: [],
    };
    const integrations = new Map(held.integrations.map((row) => [row.key, row]));
    for (const integration of document.integrations) {
      changes.integrations.push({
        key: integration.key,
        action: await this.integration(integration, integrations.get(integration.key)),
      });
    }
    const templates = new Map(held.templates.map((element) => [elementId(element.row), element]));
    const imported = new Map<string, ImportedElement>();
    for (const element of document.elements) {
      const result = await this.element(null, element, element.publishedRevision, templates.get(elementId(element)));
      imported.set(elementId(element), result);
      changes.elements.push({ type: element.type, key: element.key, action: result.action });
    }
    if (!document.tenants || !held.tenants) return changes;
    const tenants = new Map(held.tenants.map((row) => [row.internalId, row]));
    const internalIds = new Map(held.tenants.map((row) => [row.id, row.internalId]));
    const subscriptions = groupBy(held.subscriptions, (row) => row.tenantId);
    /** Each tenant's id here by internalId (null: a dry run would create it), and the links to set once all exist. */
    const ids = new Map<string, string | null>();
    const links: { id: string | null; parentInternalId: string | null }[] = [];
    const own = new Map(held.own.map((element) => [`${element.row.tenantId} ${elementId(element.row)}`, element]));
    const customizations = new Map(held.customizations.map((row) => [`${row.tenantId} ${elementId(row)}`, row]));
    const pins = new Map(held.deployments.map((row) => [`${row.tenantId} ${row.elementId}`, row.revision]));
    for (const [index, tenant] of document.tenants.entries()) {
      const current = tenants.get(tenant.internalId) ?? null;
      // A version-1 document names no parents: links stay as they are.
      const relink =
        tenant.parentInternalId !== undefined &&
        tenant.parentInternalId !== (current ? parentInternalIdOf(current, internalIds) : null);
      const { action, id } = await this.tenant(tenant, current, relink);
      const internalId = tenant.internalId;
      ids.set(internalId, id);
      if (relink) links.push({ id, parentInternalId: tenant.parentInternalId ?? null });
      changes.tenants.push({ internalId, action });
      for (const element of tenant.elements) {
        const current = id === null ? undefined : own.get(`${id} ${elementId(element)}`);
        const published = element.revisions[element.revisions.length - 1]!.revision;
        const result = await this.element(id, element, published, current);
        changes.tenantElements.push({ internalId, type: element.type, key: element.key, action: result.action });
      }
      for (const customization of tenant.customizations) {
        const current = id === null ? undefined : customizations.get(`${id} ${elementId(customization)}`);
        const action = await this.customization(customization, current, id);
        changes.customizations.push({ internalId, type: customization.type, key: customization.key, action });
      }
      for (const [at, deployment] of tenant.deployments.entries()) {
        // Validated: every pin names a template of the document, imported above.
        const template = imported.get(elementId(deployment))!;
        const current =
          id === null || template.id === null || this.unpinned.has(template.id)
            ? undefined
            : pins.get(`${id} ${template.id}`);
        const action = await this.deployment(deployment, template, id, current, `/tenants/${index}/deployments/${at}`);
        changes.deployments.push({ internalId, type: deployment.type, key: deployment.key, action });
      }
      const listed = tenant.subscriptions ?? [];
      const actions = await this.subscriptions(id, listed, subscriptions.get(id ?? '') ?? [], `/tenants/${index}`);
      listed.forEach((subscription, at) =>
        changes.subscriptions.push({ internalId, ...subscription, action: actions[at]! }),
      );
    }
    // Children after parents: every tenant of the document exists by now.
    for (const link of links) await this.link(link, ids);
    return changes;
  }

  private async settings(document: TransferDocument, held: HeldState): Promise<TransferAction> {
    const schema = document.settings.tenantFieldSchema;
    if (sameJson(schema, held.tenantFieldSchema)) return 'unchanged';
    if (this.writing()) await this.repository.setTenantFieldSchema(this.manager, this.workspaceId, schema);
    return 'updated';
  }

  private async integration(
    integration: ExportedIntegration,
    current: Columns<Integration> | undefined,
  ): Promise<TransferAction> {
    if (!current) {
      if (this.writing()) await this.repository.insertIntegration(this.manager, this.workspaceId, integration);
      return 'created';
    }
    if (sameJson(exportIntegration(current), integration)) return 'unchanged';
    if (this.writing()) await this.repository.updateIntegration(this.manager, current.id, integration);
    return 'updated';
  }

  /**
   * A template (`tenantId` null) or a tenant's own element. A new one gets
   * the document's whole history, published at `publishedRevision`. An
   * existing one is brought to the document's published and latest name and
   * definition and parent, keeping its own history: when its published
   * revision differs from the document's, the document's published one
   * becomes its next revision, published; when its latest still differs,
   * the document's latest follows (a draft if the document's is one); when
   * only which of its revisions is published differs, its latest is
   * published. Its archived state follows the document.
   */
  private async element(
    tenantId: string | null,
    element: ExportedOwnElement,
    publishedRevision: number,
    current: HeldElement | undefined,
  ): Promise<ImportedElement> {
    const document = new Map(element.revisions.map((revision) => [revision.revision, revision]));
    const latest = element.revisions[element.revisions.length - 1]!;
    // Validated: the published revision is one of the document's.
    const published = document.get(publishedRevision)!;
    if (!current) {
      let id: string | null = null;
      if (this.writing()) {
        try {
          id = await this.repository.insertElement(this.manager, this.workspaceId, {
            tenantId,
            element,
            publishedRevision,
          });
        } catch (error) {
          if (!(error instanceof ElementKeyTakenError)) throw error;
          throw keyConflict([`${elementId(element)} became a ${error.takenBy}-level key during the import`]);
        }
      }
      return { action: 'created', id, revisionOf: (n) => (document.has(n) ? n : null) };
    }
    const row = current.row;
    const history = new Map<number, ExportedRevision>(
      current.revisions.map((revision) => [revision.revision, revision]),
    );
    let latestNumber = row.revision;
    let publishedNumber = row.publishedRevision;
    let parentKey = row.parentKey;
    const append = async (revision: ExportedRevision, publish: boolean) => {
      let number = latestNumber + 1;
      if (this.writing()) {
        number = await this.repository.reviseElement(this.manager, row.id, {
          name: revision.name,
          definition: revision.definition,
          parentKey: element.parentKey,
          publish,
        });
      }
      if (publish) this.unpinned.add(row.id);
      history.set(number, revision);
      latestNumber = number;
      if (publish) publishedNumber = number;
      parentKey = element.parentKey;
    };
    const holds = (number: number, revision: ExportedRevision) => sameRevision(history.get(number), revision);
    let changed = false;
    if (!holds(publishedNumber, published)) {
      await append(published, true);
      changed = true;
    }
    if (!holds(latestNumber, latest) || parentKey !== element.parentKey) {
      await append(latest, publishedRevision === latest.revision);
      changed = true;
    }
    if (publishedRevision === latest.revision && publishedNumber !== latestNumber) {
      if (this.writing()) await this.repository.publishElement(this.manager, row.id, latestNumber);
      this.unpinned.add(row.id);
      publishedNumber = latestNumber;
      changed = true;
    }
    if (element.archived !== (row.archivedAt !== null)) {
      if (this.writing()) await this.repository.setElementArchived(this.manager, row.id, element.archived);
      changed = true;
    }
    const revisionOf = (n: number): number | null => {
      const revision = document.get(n);
      if (!revision) return null;
      if (holds(n, revision)) return n;
      const matches = [...history.entries()].filter(([, held]) => sameRevision(held, revision));
      return matches.length === 0 ? null : Math.max(...matches.map(([number]) => number));
    };
    return { action: changed ? 'updated' : 'unchanged', id: row.id, revisionOf };
  }

  /**
   * Creates or updates the tenant's row; `relink`: its parent differs too
   * (set later, by `link`, once every tenant of the document exists).
   */
  private async tenant(
    tenant: ExportedTenant,
    current: Columns<Tenant> | null,
    relink: boolean,
  ): Promise<{ action: TransferAction; id: string | null }> {
    const values = tenantValues(tenant);
    if (!current) {
      if (!this.writing()) return { action: 'created', id: null };
      const id = await this.repository.insertTenant(this.manager, this.workspaceId, values);
      this.createdTenants.push({ id, internalId: tenant.internalId });
      return { action: 'created', id };
    }
    const held = tenantValues(
      exportTenant(current, null, { customizations: [], elements: [], deployments: [], subscriptions: [] }),
    );
    const same = sameJson(held, values);
    if (same && !relink) return { action: 'unchanged', id: current.id };
    if (this.writing()) {
      if (!same) await this.repository.updateTenant(this.manager, current.id, values);
      this.changedTenants.push(current.internalId);
    }
    return { action: 'updated', id: current.id };
  }

  /** Sets a tenant's parent to the tenant of the document its `parentInternalId` names (validated), or none. */
  private async link(
    link: { id: string | null; parentInternalId: string | null },
    ids: Map<string, string | null>,
  ): Promise<void> {
    if (!this.writing()) return;
    const parentId = link.parentInternalId === null ? null : (ids.get(link.parentInternalId) ?? null);
    // The tenant and its parent were found or created above.
    if (link.id === null || (link.parentInternalId !== null && parentId === null)) {
      throw new Error(`a link to ${link.parentInternalId} lost its tenant or parent`);
    }
    await this.repository.setTenantParent(this.manager, link.id, parentId);
  }

  /**
   * Creates the listed subscriptions the tenant lacks, matched by content
   * (one held subscription answers one listed), and reports each listed one
   * `created` or `unchanged`. When writing, under the per-tenant lock that
   * EventSubscriptionsService.create takes, reading what the tenant holds
   * afresh.
   * @throws DomainException 409 when the tenant would hold more than MAX_SUBSCRIPTIONS_PER_TENANT live ones.
   */
  private async subscriptions(
    tenantId: string | null,
    listed: ExportedSubscription[],
    held: Columns<EventSubscription>[],
    path: string,
  ): Promise<('created' | 'unchanged')[]> {
    if (listed.length === 0) return [];
    if (this.write && tenantId !== null) {
      await this.events.lockAndCountLive(this.manager, tenantId);
      held = await this.repository.listSubscriptions(this.manager, this.workspaceId, tenantId);
    }
    const unmatched = new Map<string, number>();
    for (const row of held) unmatched.set(subscriptionId(row), (unmatched.get(subscriptionId(row)) ?? 0) + 1);
    const actions = listed.map((subscription): 'created' | 'unchanged' => {
      const left = unmatched.get(subscriptionId(subscription)) ?? 0;
      if (left === 0) return 'created';
      unmatched.set(subscriptionId(subscription), left - 1);
      return 'unchanged';
    });
    const created = listed.filter((_, at) => actions[at] === 'created');
    if (created.length > 0 && held.length + created.length > MAX_SUBSCRIPTIONS_PER_TENANT) {
      throw DomainException.conflict(
        `${path}/subscriptions: the tenant would hold ${held.length + created.length} event subscriptions, more ` +
          `than the ${MAX_SUBSCRIPTIONS_PER_TENANT} it may have; delete some first.`,
      );
    }
    if (created.length > 0 && this.writing()) {
      // The tenant was found or created above.
      if (!tenantId) throw new Error(`${path}: subscriptions lost their tenant`);
      for (const subscription of created) {
        await this.events.insertSubscription(this.manager, {
          workspaceId: this.workspaceId,
          tenantId,
          ...subscription,
        });
      }
    }
    return actions;
  }

  private async customization(
    customization: ExportedCustomization,
    current: Columns<ElementCustomization> | undefined,
    tenantId: string | null,
  ): Promise<TransferAction> {
    if (current && sameJson(current.definition, customization.definition)) return 'unchanged';
    if (this.writing()) {
      // The tenant was found or created above.
      if (!tenantId) throw new Error(`customization ${elementId(customization)} lost its tenant`);
      await this.repository.upsertCustomization(this.manager, {
        workspaceId: this.workspaceId,
        tenantId,
        elementType: customization.type,
        key: customization.key,
        definition: customization.definition,
      });
    }
    return current ? 'updated' : 'created';
  }

  /**
   * Pins the tenant to the template's revision holding the document's
   * revision's name and definition (the same number when the histories
   * agree, as for a template this import created).
   * @throws DomainException 409 when the target's history holds no such revision.
   */
  private async deployment(
    deployment: ExportedDeployment,
    template: ImportedElement,
    tenantId: string | null,
    current: number | undefined,
    path: string,
  ): Promise<TransferAction> {
    const revision = template.revisionOf(deployment.revision);
    if (revision === null) {
      throw DomainException.conflict(
        `${path}/revision: revision ${deployment.revision} of ${elementId(deployment)} has no counterpart in this ` +
          `workspace's history of it (the histories diverged); pin the tenant here instead.`,
      );
    }
    if (current === revision) return 'unchanged';
    if (this.writing()) {
      // The tenant and the template were found or created above.
      if (!tenantId || !template.id) throw new Error(`pin on ${elementId(deployment)} lost its tenant or template`);
      await this.repository.upsertDeployment(this.manager, {
        workspaceId: this.workspaceId,
        elementId: template.id,
        tenantId,
        revision,
      });
    }
    return current === undefined ? 'created' : 'updated';
  }

  /** Whether to write; a write marks the import as having changed something. */
  private writing(): boolean {
    if (this.write) this.wrote = true;
    return this.write;
  }
}

/** The tenant's own row values: what TenantTransferValues holds, nothing that hangs off it. */
function tenantValues(tenant: ExportedTenant): TenantTransferValues {
  const {
    parentInternalId: _,
    customizations: __,
    elements: ___,
    deployments: ____,
    subscriptions: _____,
    ...values
  } = tenant;
  return values;
}

function sameRevision(held: { name: string; definition: unknown } | undefined, revision: ExportedRevision): boolean {
  return held !== undefined && held.name === revision.name && sameJson(held.definition, revision.definition);
}

function elementId(element: { type?: string; elementType?: string; key: string }): string {
  return `${element.type ?? element.elementType}/${element.key}`;
}
