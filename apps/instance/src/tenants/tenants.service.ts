import { Injectable } from '@nestjs/common';
import { Keyring } from '@switchboard/crypto';
import type { Columns } from '@switchboard/persistence';
import { decodeCursor, DomainException, type Page, pageLimit, toPage } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { TenantScope } from '../database/tenant-scope.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { EventOutbox } from '../journal/event-outbox.js';
import { requireAdmin, requireTenant } from '../workspaces/require-admin.js';
import { TenantFieldsValidator } from '../workspaces/tenant-fields.validator.js';
import type { Workspace } from '../workspaces/workspace.entity.js';
import { activityActorOf, scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import type { Tenant } from './tenant.entity.js';
import { TenantCache } from './tenant-cache.js';
import { TenantPreloads } from './tenant-preloads.js';
import {
  type CreateTenantDto,
  type ListTenantsQueryDto,
  type ReplaceTenantDto,
  type TenantChildDto,
  type TenantDto,
  toTenantDto,
  type UpdateSelfDto,
  type UpdateTenantDto,
} from './tenants.dto.js';
import { TenantsRepository, type TenantValues } from './tenants.repository.js';

const UNIQUE_VIOLATION = '23505';

/** A tenant to create: from POST /tenants (actor `admin`) or from a token's claims on first sight (actor `token`). */
export type NewTenant = TenantValues;

/**
 * Tenants of the caller's workspace. Every query runs in the caller's scope,
 * so row-level security decides what exists: another workspace's tenants, and
 * for a tenant token every other tenant, are simply not found (404).
 */
@Injectable()
export class TenantsService {
  constructor(
    private readonly repository: TenantsRepository,
    private readonly scope: TenantScope,
    private readonly keyring: Keyring,
    private readonly fieldsValidator: TenantFieldsValidator,
    private readonly activity: ActivityLogService,
    private readonly cache: TenantCache,
    private readonly events: EventOutbox,
    private readonly preloads: TenantPreloads,
  ) {}

  async list(principal: WorkspacePrincipal, query: ListTenantsQueryDto): Promise<Page<TenantDto>> {
    requireAdmin(principal, 'Listing tenants');
    const limit = pageLimit(query);
    const search = query.search ? `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const rows = await this.repository.listPage(
      scopeOf(principal),
      {
        internalId: query.internalId ?? null,
        search,
        includeArchived: query.includeArchived ?? false,
        isTest: query.isTest ?? null,
        isActive: query.isActive ?? null,
      },
      decodeCursor(query.cursor),
      limit + 1,
    );
    return toPage(rows, limit, (row) => ({ at: row.position, id: row.id }), toTenantDto);
  }

  /** One round trip: the scope and the read in one prepared statement (see TenantsRepository.findVisible). */
  async get(principal: WorkspacePrincipal, id: string): Promise<TenantDto> {
    // The caller's own row, when authentication read it in this request (an API key); else one read.
    const row = this.preloads.get(principal, id) ?? (await this.repository.findVisible(scopeOf(principal), id));
    if (!row) throw DomainException.notFound('The tenant');
    return toTenantDto(row);
  }

  async findIdByInternalId(principal: WorkspacePrincipal, internalId: string): Promise<string> {
    const id = await this.repository.findIdByInternalId(scopeOf(principal), internalId);
    if (id === null) throw DomainException.notFound('The tenant');
    return id;
  }

  /**
   * POST /tenants (admin): inserts the tenant and, with `parentId`, links it
   * to its parent in the same transaction (`link`: the one-level rules under
   * row locks, so a parent that concurrently gets a parent of its own makes
   * one of the two fail with 409, never two levels).
   * @throws DomainException 403 for a non-admin, 409 for a taken internalId or
   *   a link deeper than one level, 400 for a `parentId` that names no tenant
   *   of the workspace, 422 for fields that break the workspace's schema.
   */
  async create(principal: WorkspacePrincipal, dto: CreateTenantDto): Promise<TenantDto> {
    requireAdmin(principal, 'Creating a tenant');
    const tenant: NewTenant = {
      internalId: dto.internalId,
      name: dto.name,
      fields: dto.fields ?? {},
      sealedCredentials: this.seal(dto.credentials),
      aiCreditsRolling30DayLimit: dto.aiCreditsRolling30DayLimit ?? null,
      isTest: dto.isTest ?? false,
    };
    return this.scope.run(scopeOf(principal), async (manager) => {
      const row = await this.insertTenant(manager, principal.workspace, tenant, 'admin');
      if (!row) {
        throw DomainException.conflict(
          `A tenant with internalId "${dto.internalId}" already exists in this workspace.`,
        );
      }
      // Linked in the same transaction, under the same row locks as PATCH: a refused link creates no tenant.
      const parentId = dto.parentId ?? null;
      return toTenantDto(parentId === null ? row : await this.link(manager, principal, row, parentId));
    });
  }

  /**
   * The one way a tenant is created (POST /tenants and a token's first
   * request): checks `fields` against the workspace's schema, inserts the row
   * and records `tenant.created` in the activity log and the event outbox, all
   * in `manager`'s transaction, which must run in the workspace's admin scope.
   * Race-safe: with `ON CONFLICT (workspace_id, internal_id) DO NOTHING`
   * (PostgreSQL manual, INSERT, "ON CONFLICT Clause") concurrent creations of
   * one internalId make one tenant; the others wait for its commit and get
   * null, so the caller decides between 409 and the existing tenant.
   * @returns the new row, or null when the internalId is taken.
   * @throws DomainException 422 when `fields` break the workspace's schema.
   */
  async insertTenant(
    manager: EntityManager,
    workspace: Pick<Workspace, 'id' | 'tenantFieldSchema'>,
    tenant: NewTenant,
    actor: 'admin' | 'token',
  ): Promise<Columns<Tenant> | null> {
    this.fieldsValidator.assertFields(workspace.tenantFieldSchema, tenant.fields);
    const row = await this.repository.insert(manager, workspace.id, tenant);
    if (!row) return null;
    await this.activity.record(manager, { workspaceId: workspace.id, tenantId: row.id, type: 'tenant.created', actor });
    await this.events.enqueue(manager, {
      workspaceId: workspace.id,
      tenantId: row.id,
      type: 'tenant.created',
      data: { internalId: row.internalId },
    });
    return row;
  }

  async update(principal: WorkspacePrincipal, id: string, dto: UpdateTenantDto | ReplaceTenantDto, replace: boolean) {
    requireAdmin(principal, 'Changing a tenant');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.find(manager, id);
      const next: TenantValues = {
        internalId: dto.internalId ?? current.internalId,
        name: dto.name ?? current.name,
        fields: dto.fields ?? (replace ? {} : current.fields),
        sealedCredentials:
          dto.credentials !== undefined ? this.seal(dto.credentials) : replace ? null : current.sealedCredentials,
        aiCreditsRolling30DayLimit:
          dto.aiCreditsRolling30DayLimit !== undefined
            ? dto.aiCreditsRolling30DayLimit
            : replace
              ? null
              : current.aiCreditsRolling30DayLimit,
        isTest: dto.isTest ?? (replace ? false : current.isTest),
      };
      if (dto.fields !== undefined || replace) {
        this.fieldsValidator.assertFields(principal.workspace.tenantFieldSchema, next.fields);
      }
      let row = found(await this.unique(this.repository.update(manager, id, next), next.internalId));
      const parentId = replace ? undefined : (dto as UpdateTenantDto).parentId;
      if (parentId !== undefined && parentId !== current.parentId) {
        row = await this.link(manager, principal, row, parentId);
      }
      await this.recordChanges(manager, principal, current, dto);
      this.cache.forget(principal.workspace.id, current.internalId);
      return toTenantDto(row);
    });
  }

  /**
   * The caller's children (API.md, Linked tenants: `GET /self/children`):
   * their id, internalId and name only, never their data. Read in the
   * workspace's scope, as a tenant's own scope sees no other tenant; the
   * parent is the caller's own tenant, from the principal.
   */
  async listChildren(principal: WorkspacePrincipal): Promise<TenantChildDto[]> {
    const tenant = requireTenant(principal);
    const rows = await this.scope.run({ workspaceId: principal.workspace.id, tenantId: null }, (manager) =>
      this.repository.listChildren(manager, tenant.id),
    );
    return rows.map((row) => ({
      id: row.id,
      internalId: row.internal_id,
      key: row.internal_id,
      name: row.name,
      archivedAt: row.archived_at?.toISOString() ?? null,
    }));
  }

  /**
   * Links `child` to `parentId` (null: unlinks it), in `manager`'s admin
   * transaction, under row locks on both. One level only (API.md, Linked
   * tenants): no tenant is its own parent, a parent has no parent, a tenant
   * with children gets none.
   * @throws DomainException 400 when `parentId` names no tenant the workspace
   *   holds (another workspace's tenant is no different from none), 409 for a
   *   link that breaks the one-level rule.
   */
  private async link(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    child: Columns<Tenant>,
    parentId: string | null,
  ): Promise<Columns<Tenant>> {
    if (parentId === child.id) throw DomainException.conflict('A tenant cannot be its own parent.');
    const locked = await this.repository.lockForLinking(manager, parentId === null ? [child.id] : [child.id, parentId]);
    const own = locked.find((row) => row.id === child.id);
    if (!own) throw DomainException.notFound('The tenant');
    if (parentId !== null) {
      const parent = locked.find((row) => row.id === parentId);
      if (!parent) {
        throw DomainException.validation('parentId names no tenant of this workspace.', [
          { field: 'parentId', message: 'names no tenant of this workspace' },
        ]);
      }
      if (parent.parent_id !== null) {
        throw DomainException.conflict(
          'The parent already has a parent itself: tenants link one level deep only (a child cannot be a parent).',
        );
      }
      if (own.has_children) {
        throw DomainException.conflict(
          'The tenant has children of its own: tenants link one level deep only (a parent cannot get a parent).',
        );
      }
    }
    const row = found(await this.repository.setParent(manager, child.id, parentId));
    await this.activity.record(manager, {
      workspaceId: principal.workspace.id,
      tenantId: child.id,
      type: parentId === null ? 'tenant.unlinked' : 'tenant.linked',
      ...activityActorOf(principal),
      data: { parentId: parentId ?? child.parentId },
    });
    return row;
  }

  async updateSelf(principal: WorkspacePrincipal, dto: UpdateSelfDto): Promise<TenantDto> {
    const tenant = principal.tenant!;
    if (dto.fields !== undefined) this.fieldsValidator.assertFields(principal.workspace.tenantFieldSchema, dto.fields);
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.find(manager, tenant.id);
      const row = found(
        await this.repository.updateOwn(manager, tenant.id, {
          name: dto.name ?? current.name,
          fields: dto.fields ?? current.fields,
          sealedCredentials: dto.credentials !== undefined ? this.seal(dto.credentials) : current.sealedCredentials,
        }),
      );
      await this.recordChanges(manager, principal, current, dto);
      return toTenantDto(row);
    });
  }

  async setArchived(principal: WorkspacePrincipal, id: string, archived: boolean): Promise<TenantDto> {
    requireAdmin(principal, archived ? 'Archiving a tenant' : 'Restoring a tenant');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.find(manager, id);
      const row = found(await this.repository.setArchived(manager, id, archived));
      if ((current.archivedAt !== null) !== archived) {
        await this.activity.record(manager, {
          workspaceId: principal.workspace.id,
          tenantId: id,
          type: archived ? 'tenant.archived' : 'tenant.restored',
          actor: 'admin',
        });
        if (archived) {
          await this.events.enqueue(manager, {
            workspaceId: principal.workspace.id,
            tenantId: id,
            type: 'tenant.archived',
            data: { internalId: current.internalId },
          });
        }
      }
      this.cache.forget(principal.workspace.id, current.internalId);
      return toTenantDto(row);
    });
  }

  /** The decrypted credentials, for admins only; every read is written to the activity log. */
  async readCredentials(principal: WorkspacePrincipal, id: string): Promise<{ credentials: unknown }> {
    requireAdmin(principal, 'Reading tenant credentials');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const tenant = await this.find(manager, id);
      await this.activity.record(manager, {
        workspaceId: principal.workspace.id,
        tenantId: id,
        type: 'tenant.credentials_read',
        actor: 'admin',
      });
      return { credentials: tenant.sealedCredentials ? this.keyring.decryptJson(tenant.sealedCredentials) : null };
    });
  }

  private async find(manager: EntityManager, id: string): Promise<Columns<Tenant>> {
    return found(await this.repository.findById(manager, id));
  }

  private seal(credentials: Record<string, unknown> | null | undefined): string | null {
    return credentials ? this.keyring.encryptJson(credentials) : null;
  }

  private async recordChanges(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    before: Columns<Tenant>,
    dto: { fields?: unknown; credentials?: unknown; name?: string },
  ): Promise<void> {
    const base = { workspaceId: principal.workspace.id, tenantId: before.id, ...activityActorOf(principal) };
    if (dto.fields !== undefined) {
      await this.activity.record(manager, { ...base, type: 'tenant.fields_changed', data: { fields: dto.fields } });
    }
    if (dto.credentials !== undefined) await this.activity.record(manager, { ...base, type: 'tenant.credentials_set' });
    if (dto.name !== undefined && dto.name !== before.name) {
      await this.activity.record(manager, {
        ...base,
        type: 'tenant.renamed',
        data: { from: before.name, to: dto.name },
      });
    }
  }

  /** A used internalId is a conflict, not a fault. */
  private async unique<T>(query: Promise<T>, internalId: string): Promise<T> {
    try {
      return await query;
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw DomainException.conflict(`A tenant with internalId "${internalId}" already exists in this workspace.`);
      }
      throw error;
    }
  }
}

/** A tenant the scope sees, or 404 (never 403: existence does not leak across tenants). */
function found<T>(row: T | null): T {
  if (row === null) throw DomainException.notFound('The tenant');
  return row;
}
