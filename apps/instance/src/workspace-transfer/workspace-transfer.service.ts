import { Injectable } from '@nestjs/common';
import type { Columns } from '@switchboard/persistence';
import { DomainException } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { TenantScope } from '../database/tenant-scope.js';
import type { ElementRevision } from '../elements/element-revision.entity.js';
import type { ElementTemplate } from '../elements/element-template.entity.js';
import type { Integration } from '../integrations/integration.entity.js';
import { isIntegrationAuthType } from '../integrations/integrations.dto.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { EventOutbox } from '../journal/event-outbox.js';
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
  type ExportedElement,
  type ExportedIntegration,
  type ExportedTenant,
  sameJson,
  serializeDocument,
  shapeProblems,
  TRANSFER_FORMAT,
  TRANSFER_VERSION,
  type TransferDocument,
} from './transfer-document.js';
import type { ImportResultDto, TransferAction, TransferChangesDto } from './workspace-transfer.dto.js';
import { type CustomizationRow, WorkspaceTransferRepository } from './workspace-transfer.repository.js';

/** What a workspace holds of what a document describes, as stored rows (ids kept, to write by). */
interface HeldState {
  tenantFieldSchema: Record<string, unknown> | null;
  integrations: Columns<Integration>[];
  elements: { template: Columns<ElementTemplate>; revisions: Columns<ElementRevision>[] }[];
  tenants: Columns<Tenant>[] | null;
  customizations: CustomizationRow[];
}

/**
 * Workspace export and import (API.md, "Workspace export and import"), the
 * dev → production promotion: admin tokens only. An export is one canonical
 * JSON document of what an admin can set on this instance (the tenant field
 * schema, integrations, elements with every revision, optionally tenants and
 * their customisations), never a secret: no client secret, tenant or
 * connection credentials, API keys or tokens, and no ids or timestamps, so
 * equal configurations export equal bytes. An import applies a document in
 * one transaction, all or nothing; it creates and updates, never deletes,
 * and never touches a secret (an integration keeps its client secret). The
 * same document imported twice changes nothing the second time.
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
      else await this.repository.lockWorkspace(manager, workspaceId);
      const held = await this.read(manager, workspaceId, document.tenants !== undefined);
      const importer = new Importer(this.repository, manager, workspaceId, !dryRun);
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
    });
    if (problems.length > 0) throw invalid(problems);
    return document;
  }

  private async read(manager: EntityManager, workspaceId: string, includeTenants: boolean): Promise<HeldState> {
    const tenantFieldSchema = await this.repository.tenantFieldSchema(manager, workspaceId);
    const integrations = await this.repository.listIntegrations(manager, workspaceId);
    const templates = await this.repository.listElements(manager, workspaceId);
    const revisions = await this.repository.listRevisions(manager, workspaceId);
    const byElement = new Map<string, Columns<ElementRevision>[]>();
    for (const revision of revisions) {
      const list = byElement.get(revision.elementId) ?? [];
      list.push(revision);
      byElement.set(revision.elementId, list);
    }
    const elements = templates.map((template) => ({ template, revisions: byElement.get(template.id) ?? [] }));
    if (!includeTenants) return { tenantFieldSchema, integrations, elements, tenants: null, customizations: [] };
    const tenants = await this.repository.listTenants(manager, workspaceId);
    const customizations = await this.repository.listCustomizations(manager, workspaceId);
    return { tenantFieldSchema, integrations, elements, tenants, customizations };
  }
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
    elements: held.elements.map(({ template, revisions }) => exportElement(template, revisions)).sort(byTypeAndKey),
  };
  if (held.tenants) {
    const customizations = new Map<string, ExportedCustomization[]>();
    for (const row of held.customizations) {
      const list = customizations.get(row.tenantId) ?? [];
      list.push({ type: row.elementType, key: row.key, definition: row.definition });
      customizations.set(row.tenantId, list);
    }
    document.tenants = held.tenants
      .map((tenant) => exportTenant(tenant, customizations.get(tenant.id) ?? []))
      .sort((a, b) => compareText(a.internalId, b.internalId));
  }
  return document;
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
    archived: row.archivedAt !== null,
  };
}

function exportElement(template: Columns<ElementTemplate>, revisions: Columns<ElementRevision>[]): ExportedElement {
  return {
    type: template.elementType,
    key: template.key,
    archived: template.archivedAt !== null,
    revisions: revisions
      .map((revision) => ({ revision: revision.revision, name: revision.name, definition: revision.definition }))
      .sort((a, b) => a.revision - b.revision),
  };
}

/** Never `sealedCredentials`, token revocations, activity or balances. */
function exportTenant(row: Columns<Tenant>, customizations: ExportedCustomization[]): ExportedTenant {
  return {
    internalId: row.internalId,
    name: row.name,
    fields: row.fields,
    isTest: row.isTest,
    aiCreditsRolling30DayLimit: row.aiCreditsRolling30DayLimit,
    archived: row.archivedAt !== null,
    customizations: customizations.sort(byTypeAndKey),
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

/**
 * One import: compares each item of the document with what the workspace
 * holds and, when `write`, makes the change in the caller's transaction.
 * Without `write` it only reports (a dry run; its transaction is read-only).
 */
class Importer {
  wrote = false;
  readonly createdTenants: { id: string; internalId: string }[] = [];
  readonly changedTenants: string[] = [];

  constructor(
    private readonly repository: WorkspaceTransferRepository,
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
    };
    const integrations = new Map(held.integrations.map((row) => [row.key, row]));
    for (const integration of document.integrations) {
      changes.integrations.push({
        key: integration.key,
        action: await this.integration(integration, integrations.get(integration.key)),
      });
    }
    const elements = new Map(held.elements.map((element) => [elementId(element.template), element.template]));
    /** Element ids by type/key after this import's changes (none yet for one a dry run would create). */
    const elementIds = new Map<string, string | null>();
    for (const element of document.elements) {
      const current = elements.get(elementId(element)) ?? null;
      const { action, id } = await this.element(element, current);
      elementIds.set(elementId(element), id);
      changes.elements.push({ type: element.type, key: element.key, action });
    }
    if (document.tenants && held.tenants) {
      const tenants = new Map(held.tenants.map((row) => [row.internalId, row]));
      const customizations = new Map(held.customizations.map((row) => [`${row.tenantId} ${elementId(row)}`, row]));
      for (const tenant of document.tenants) {
        const { action, id } = await this.tenant(tenant, tenants.get(tenant.internalId) ?? null);
        changes.tenants.push({ internalId: tenant.internalId, action });
        for (const customization of tenant.customizations) {
          const current = id === null ? undefined : customizations.get(`${id} ${elementId(customization)}`);
          const action = await this.customization(customization, current, id, elementIds.get(elementId(customization)));
          changes.customizations.push({
            internalId: tenant.internalId,
            type: customization.type,
            key: customization.key,
            action,
          });
        }
      }
    }
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
   * A new element gets the document's whole history; an existing one whose
   * current name or definition differs from the document's last revision
   * gets a new revision (its own history is kept), and its archived state follows the document.
   */
  private async element(
    element: ExportedElement,
    current: Columns<ElementTemplate> | null,
  ): Promise<{ action: TransferAction; id: string | null }> {
    if (!current) {
      const id = this.writing() ? await this.repository.insertElement(this.manager, this.workspaceId, element) : null;
      return { action: 'created', id };
    }
    const latest = element.revisions[element.revisions.length - 1]!;
    const revise = latest.name !== current.name || !sameJson(latest.definition, current.definition);
    const archive = element.archived !== (current.archivedAt !== null);
    if (revise && this.writing()) {
      await this.repository.reviseElement(this.manager, current.id, {
        name: latest.name,
        definition: latest.definition,
      });
    }
    if (archive && this.writing()) await this.repository.setElementArchived(this.manager, current.id, element.archived);
    return { action: revise || archive ? 'updated' : 'unchanged', id: current.id };
  }

  private async tenant(
    tenant: ExportedTenant,
    current: Columns<Tenant> | null,
  ): Promise<{ action: TransferAction; id: string | null }> {
    const { customizations: _, ...values } = tenant;
    if (!current) {
      if (!this.writing()) return { action: 'created', id: null };
      const id = await this.repository.insertTenant(this.manager, this.workspaceId, values);
      this.createdTenants.push({ id, internalId: tenant.internalId });
      return { action: 'created', id };
    }
    const { customizations: __, ...held } = exportTenant(current, []);
    if (sameJson(held, values)) return { action: 'unchanged', id: current.id };
    if (this.writing()) {
      await this.repository.updateTenant(this.manager, current.id, values);
      this.changedTenants.push(current.internalId);
    }
    return { action: 'updated', id: current.id };
  }

  private async customization(
    customization: ExportedCustomization,
    current: CustomizationRow | undefined,
    tenantId: string | null,
    elementId: string | null | undefined,
  ): Promise<TransferAction> {
    if (current && sameJson(current.definition, customization.definition)) return 'unchanged';
    if (this.writing()) {
      // Both exist by now: the tenant was found or created above, the element is in the document (validated).
      if (!tenantId || !elementId)
        throw new Error(`customization ${customization.type}/${customization.key} lost its tenant or element`);
      await this.repository.upsertCustomization(this.manager, {
        workspaceId: this.workspaceId,
        tenantId,
        elementId,
        definition: customization.definition,
      });
    }
    return current ? 'updated' : 'created';
  }

  /** Whether to write; a write marks the import as having changed something. */
  private writing(): boolean {
    if (this.write) this.wrote = true;
    return this.write;
  }
}

function elementId(element: { type?: string; elementType?: string; key: string }): string {
  return `${element.type ?? element.elementType}/${element.key}`;
}
