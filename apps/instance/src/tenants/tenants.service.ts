import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Keyring } from '@switchboard/crypto';
import { queryPrepared } from '@switchboard/persistence';
import { decodeCursor, DomainException, type Page, pageLimit, toPage } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { TenantScope } from '../database/tenant-scope.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { EventOutbox } from '../journal/event-outbox.js';
import { requireAdmin } from '../workspaces/require-admin.js';
import { TenantFieldsValidator } from '../workspaces/tenant-fields.validator.js';
import type { Workspace } from '../workspaces/workspace.entity.js';
import { scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { TenantCache } from './tenant-cache.js';
import { TENANT_COLUMNS, type TenantRow, toTenantDto } from './tenant-row.js';
import type {
  CreateTenantDto,
  ListTenantsQueryDto,
  ReplaceTenantDto,
  TenantDto,
  UpdateSelfDto,
  UpdateTenantDto,
} from './tenants.dto.js';

const UNIQUE_VIOLATION = '23505';

/** A tenant to create: from POST /tenants (actor `admin`) or from a token's claims on first sight (actor `token`). */
export interface NewTenant {
  internalId: string;
  name: string;
  fields: Record<string, unknown>;
  /** Already sealed with the keyring, or null. */
  sealedCredentials: string | null;
  aiCreditsRolling30DayLimit: number | null;
}

/**
 * Tenants of the caller's workspace. Every query runs in the caller's scope,
 * so row-level security decides what exists: another workspace's tenants, and
 * for a tenant token every other tenant, are simply not found (404).
 */
@Injectable()
export class TenantsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: TenantScope,
    private readonly keyring: Keyring,
    private readonly fieldsValidator: TenantFieldsValidator,
    private readonly activity: ActivityLogService,
    private readonly cache: TenantCache,
    private readonly events: EventOutbox,
  ) {}

  async list(principal: WorkspacePrincipal, query: ListTenantsQueryDto): Promise<Page<TenantDto>> {
    requireAdmin(principal, 'Listing tenants');
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const search = query.search ? `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const rows = await this.scope.run(scopeOf(principal), (manager) =>
      manager.query<TenantRow[]>(
        `SELECT ${TENANT_COLUMNS}, to_json(created_at) #>> '{}' AS position FROM tenants
         WHERE ($1::text IS NULL OR internal_id = $1)
           AND ($2::text IS NULL OR name ILIKE $2 OR internal_id ILIKE $2)
           AND ($3 OR archived_at IS NULL)
           AND ($4::timestamptz IS NULL OR (created_at, id) > ($4::timestamptz, $5::uuid))
         ORDER BY created_at, id
         LIMIT $6`,
        [
          query.internalId ?? null,
          search,
          query.includeArchived ?? false,
          after?.at ?? null,
          after?.id ?? null,
          limit + 1,
        ],
      ),
    );
    return toPage(rows, limit, (row) => ({ at: row.position!, id: row.id }), toTenantDto);
  }

  /** One round trip: the scope and the read in one prepared statement (see ScopedTenantReads). */
  async get(principal: WorkspacePrincipal, id: string): Promise<TenantDto> {
    const [row] = await queryPrepared<TenantRow>(
      this.dataSource,
      'scoped_tenant_by_id',
      `SELECT ${TENANT_COLUMNS} FROM scoped_tenant_by_id($1, $2, $3)`,
      [principal.workspace.id, principal.tenant?.id ?? null, id],
    );
    if (!row) throw DomainException.notFound('The tenant');
    return toTenantDto(row);
  }

  async findIdByInternalId(principal: WorkspacePrincipal, internalId: string): Promise<string> {
    const [row] = await this.scope.run(scopeOf(principal), (manager) =>
      manager.query<{ id: string }[]>('SELECT id FROM tenants WHERE internal_id = $1', [internalId]),
    );
    if (!row) throw DomainException.notFound('The tenant');
    return row.id;
  }

  async create(principal: WorkspacePrincipal, dto: CreateTenantDto): Promise<TenantDto> {
    requireAdmin(principal, 'Creating a tenant');
    const tenant: NewTenant = {
      internalId: dto.internalId,
      name: dto.name,
      fields: dto.fields ?? {},
      sealedCredentials: this.seal(dto.credentials),
      aiCreditsRolling30DayLimit: dto.aiCreditsRolling30DayLimit ?? null,
    };
    return this.scope.run(scopeOf(principal), async (manager) => {
      const row = await this.insertTenant(manager, principal.workspace, tenant, 'admin');
      if (!row) {
        throw DomainException.conflict(
          `A tenant with internalId "${dto.internalId}" already exists in this workspace.`,
        );
      }
      return toTenantDto(row);
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
   * `undefined`, so the caller decides between 409 and the existing tenant.
   * @returns the new row, or undefined when the internalId is taken.
   * @throws DomainException 422 when `fields` break the workspace's schema.
   */
  async insertTenant(
    manager: EntityManager,
    workspace: Pick<Workspace, 'id' | 'tenantFieldSchema'>,
    tenant: NewTenant,
    actor: 'admin' | 'token',
  ): Promise<TenantRow | undefined> {
    this.fieldsValidator.assertFields(workspace.tenantFieldSchema, tenant.fields);
    const [row] = await manager.query<TenantRow[]>(
      `INSERT INTO tenants (workspace_id, internal_id, name, fields, sealed_credentials, ai_credits_rolling_30_day_limit)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (workspace_id, internal_id) DO NOTHING
       RETURNING ${TENANT_COLUMNS}`,
      [
        workspace.id,
        tenant.internalId,
        tenant.name,
        JSON.stringify(tenant.fields),
        tenant.sealedCredentials,
        tenant.aiCreditsRolling30DayLimit,
      ],
    );
    if (!row) return undefined;
    await this.activity.record(manager, { workspaceId: workspace.id, tenantId: row.id, type: 'tenant.created', actor });
    await this.events.enqueue(manager, {
      workspaceId: workspace.id,
      tenantId: row.id,
      type: 'tenant.created',
      data: { internalId: row.internal_id },
    });
    return row;
  }

  async update(principal: WorkspacePrincipal, id: string, dto: UpdateTenantDto | ReplaceTenantDto, replace: boolean) {
    requireAdmin(principal, 'Changing a tenant');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.find(manager, id);
      const next = {
        internalId: dto.internalId ?? current.internal_id,
        name: dto.name ?? current.name,
        fields: dto.fields ?? (replace ? {} : current.fields),
        sealedCredentials:
          dto.credentials !== undefined ? this.seal(dto.credentials) : replace ? null : current.sealed_credentials,
        limit:
          dto.aiCreditsRolling30DayLimit !== undefined
            ? dto.aiCreditsRolling30DayLimit
            : replace
              ? null
              : current.ai_credits_rolling_30_day_limit,
      };
      if (dto.fields !== undefined || replace) {
        this.fieldsValidator.assertFields(principal.workspace.tenantFieldSchema, next.fields);
      }
      const [rows] = await this.unique(
        manager.query<[TenantRow[], number]>(
          `UPDATE tenants SET internal_id = $2, name = $3, fields = $4, sealed_credentials = $5,
             ai_credits_rolling_30_day_limit = $6, updated_at = now()
           WHERE id = $1 RETURNING ${TENANT_COLUMNS}`,
          [id, next.internalId, next.name, JSON.stringify(next.fields), next.sealedCredentials, next.limit],
        ),
        next.internalId,
      );
      await this.recordChanges(manager, principal, current, dto, 'admin');
      this.cache.forget(principal.workspace.id, current.internal_id);
      return toTenantDto(rows[0]);
    });
  }

  async updateSelf(principal: WorkspacePrincipal, dto: UpdateSelfDto): Promise<TenantDto> {
    const tenant = principal.tenant!;
    if (dto.fields !== undefined) this.fieldsValidator.assertFields(principal.workspace.tenantFieldSchema, dto.fields);
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.find(manager, tenant.id);
      const [rows] = await manager.query<[TenantRow[], number]>(
        `UPDATE tenants SET name = $2, fields = $3, sealed_credentials = $4, updated_at = now()
         WHERE id = $1 RETURNING ${TENANT_COLUMNS}`,
        [
          tenant.id,
          dto.name ?? current.name,
          JSON.stringify(dto.fields ?? current.fields),
          dto.credentials !== undefined ? this.seal(dto.credentials) : current.sealed_credentials,
        ],
      );
      await this.recordChanges(manager, principal, current, dto, 'tenant');
      return toTenantDto(rows[0]);
    });
  }

  async setArchived(principal: WorkspacePrincipal, id: string, archived: boolean): Promise<TenantDto> {
    requireAdmin(principal, archived ? 'Archiving a tenant' : 'Restoring a tenant');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.find(manager, id);
      const [rows] = await manager.query<[TenantRow[], number]>(
        `UPDATE tenants SET archived_at = CASE WHEN $2 THEN COALESCE(archived_at, now()) END, updated_at = now()
         WHERE id = $1 RETURNING ${TENANT_COLUMNS}`,
        [id, archived],
      );
      if ((current.archived_at !== null) !== archived) {
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
            data: { internalId: current.internal_id },
          });
        }
      }
      this.cache.forget(principal.workspace.id, current.internal_id);
      return toTenantDto(rows[0]);
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
      return { credentials: tenant.sealed_credentials ? this.keyring.decryptJson(tenant.sealed_credentials) : null };
    });
  }

  private async find(manager: EntityManager, id: string): Promise<TenantRow> {
    const [row] = await manager.query<TenantRow[]>(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1`, [id]);
    if (!row) throw DomainException.notFound('The tenant');
    return row;
  }

  private seal(credentials: Record<string, unknown> | null | undefined): string | null {
    return credentials ? this.keyring.encryptJson(credentials) : null;
  }

  private async recordChanges(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    before: TenantRow,
    dto: { fields?: unknown; credentials?: unknown; name?: string },
    actor: 'admin' | 'tenant',
  ): Promise<void> {
    const base = { workspaceId: principal.workspace.id, tenantId: before.id, actor } as const;
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
