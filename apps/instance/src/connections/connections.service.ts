import { Injectable } from '@nestjs/common';
import { Keyring } from '@switchboard/crypto';
import { decodeCursor, DomainException, ErrorCode, type Page, pageLimit, toPage } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { TenantScope } from '../database/tenant-scope.js';
import type { IntegrationSelector } from '../integrations/integration-selector.pipe.js';
import { IntegrationsService } from '../integrations/integrations.service.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { EventOutbox } from '../journal/event-outbox.js';
import { actedOnTenant, namedTenant, requireAdmin } from '../workspaces/require-admin.js';
import { activityActorOf, scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import type {
  ConnectionDto,
  ConnectionWithSecretsDto,
  CreateConnectionDto,
  ListConnectionsQueryDto,
  ReplaceConnectionDto,
  UpdateConnectionDto,
} from './connections.dto.js';
import { type ConnectionRow, ConnectionsRepository } from './connections.repository.js';

/**
 * Tenants' connections. Every query runs in the caller's scope, so row-level
 * security decides what exists: another tenant's connection, or another
 * workspace's, is simply not found (404). The tenant of a new connection
 * comes from the token, or for an admin token from `tenantId`. Events are
 * enqueued in the same transaction as the change they describe.
 */
@Injectable()
export class ConnectionsService {
  constructor(
    private readonly scope: TenantScope,
    private readonly connections: ConnectionsRepository,
    private readonly keyring: Keyring,
    private readonly integrations: IntegrationsService,
    private readonly activity: ActivityLogService,
    private readonly outbox: EventOutbox,
  ) {}

  async create(principal: WorkspacePrincipal, dto: CreateConnectionDto): Promise<ConnectionDto> {
    const tenantId = actedOnTenant(principal, dto.tenantId);
    const selector = this.integrationOf(dto);
    return this.scope.run(scopeOf(principal), async (manager) => {
      if (!principal.tenant) await this.assertTenant(manager, tenantId);
      const integration = await this.integrations.findForConnecting(manager, selector);
      const row = await this.connections.insert(manager, {
        workspaceId: principal.workspace.id,
        tenantId,
        integrationId: integration.id,
        name: dto.name ?? integration.name,
        input: dto.input ?? {},
        sealedCredentials: this.seal(dto.credentials),
        shared: dto.shared ?? false,
      });
      const connection = toConnectionDto(row, principal);
      await this.recordActivity(manager, principal, row, 'connection.created', { integrationKey: integration.key });
      await this.outbox.enqueue(manager, {
        workspaceId: principal.workspace.id,
        tenantId,
        type: 'connection.created',
        data: { ...connection },
      });
      return connection;
    });
  }

  async list(principal: WorkspacePrincipal, query: ListConnectionsQueryDto): Promise<Page<ConnectionDto>> {
    if (query.tenantId !== undefined && query.userId !== undefined && query.tenantId !== query.userId) {
      throw DomainException.validation('tenantId and userId name the same thing; give one.', [
        { field: 'userId', message: 'differs from tenantId' },
      ]);
    }
    if (query.connected !== undefined && query.disconnected !== undefined && query.connected === query.disconnected) {
      throw DomainException.validation('connected and disconnected are opposites; give one, or both agreeing.', [
        { field: 'connected', message: 'contradicts disconnected' },
      ]);
    }
    // A tenant token names only itself (namedTenant refuses another), and row-level security already limits it to
    // its own connections and its parent's shared ones: no filter, or the inherited ones would not show.
    const named = namedTenant(principal, query.tenantId ?? query.userId);
    const tenantId = principal.tenant ? null : named;
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const search = query.search ? `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const rows = await this.connections.listPage(
      scopeOf(principal),
      {
        tenantId,
        integrationKey: query.integrationKey ?? null,
        integrationId: query.integrationId ?? null,
        search,
        disconnected: query.disconnected ?? (query.connected === undefined ? null : !query.connected),
        includeArchived: query.includeArchived ?? false,
      },
      { after, limit: limit + 1 },
    );
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.position, id: row.id }),
      (row) => toConnectionDto(row, principal),
    );
  }

  /** With `includeSecrets`, for admins only, the decrypted credentials too; that read is audited. */
  async get(principal: WorkspacePrincipal, id: string, includeSecrets = false): Promise<ConnectionWithSecretsDto> {
    if (includeSecrets) requireAdmin(principal, 'Reading connection credentials (includeSecrets=true)');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const row = await this.find(manager, id);
      if (!includeSecrets) return toConnectionDto(row, principal);
      return { ...toConnectionDto(row, principal), credentials: await this.reveal(manager, principal, row) };
    });
  }

  /** The decrypted credentials, for admins only; every read is written to the activity log. */
  async readCredentials(principal: WorkspacePrincipal, id: string): Promise<{ credentials: unknown }> {
    requireAdmin(principal, 'Reading connection credentials');
    return this.scope.run(scopeOf(principal), async (manager) => ({
      credentials: await this.reveal(manager, principal, await this.find(manager, id)),
    }));
  }

  async update(
    principal: WorkspacePrincipal,
    id: string,
    dto: UpdateConnectionDto | ReplaceConnectionDto,
    replace: boolean,
  ): Promise<ConnectionDto> {
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = this.owned(principal, await this.find(manager, id), 'change');
      // PATCH keeps what is not given; PUT resets it.
      const next = {
        name: dto.name ?? (replace ? current.integrationName : current.name),
        input: dto.input ?? (replace ? {} : current.input),
        sealedCredentials:
          dto.credentials !== undefined ? this.seal(dto.credentials) : replace ? null : current.sealedCredentials,
        disconnected: dto.disconnected ?? (replace ? false : current.disconnected),
        shared: dto.shared ?? (replace ? false : current.shared),
      };
      const row = await this.connections.update(manager, id, next);
      if (!row) throw DomainException.notFound('The connection');
      const connection = toConnectionDto(row, principal);
      if (dto.credentials !== undefined || (replace && current.sealedCredentials !== null)) {
        await this.recordActivity(manager, principal, row, 'connection.credentials_set', {
          cleared: next.sealedCredentials === null,
        });
      }
      if (next.disconnected && !current.disconnected) {
        await this.recordActivity(manager, principal, row, 'connection.disconnected');
        await this.outbox.enqueue(manager, {
          workspaceId: principal.workspace.id,
          tenantId: row.tenantId,
          type: 'connection.disconnected',
          data: { ...connection },
        });
      }
      return connection;
    });
  }

  /** Archiving twice is one archive: the event is sent once. */
  async archive(principal: WorkspacePrincipal, id: string): Promise<ConnectionDto> {
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = this.owned(principal, await this.find(manager, id), 'archive');
      if (current.archivedAt) return toConnectionDto(current, principal);
      const row = await this.connections.archive(manager, id);
      if (!row) throw DomainException.notFound('The connection');
      const connection = toConnectionDto(row, principal);
      await this.recordActivity(manager, principal, row, 'connection.archived');
      await this.outbox.enqueue(manager, {
        workspaceId: principal.workspace.id,
        tenantId: row.tenantId,
        type: 'connection.archived',
        data: { ...connection },
      });
      return connection;
    });
  }

  /**
   * The row, when the caller may change it: an admin, or the tenant that owns
   * it. A child sees its parent's shared connections but may only use them
   * (403, which tells it nothing it did not know: it can read the connection);
   * the write policies refuse it in the database as well.
   */
  private owned(principal: WorkspacePrincipal, row: ConnectionRow, action: 'change' | 'archive'): ConnectionRow {
    if (principal.tenant && row.tenantId !== principal.tenant.id) {
      throw DomainException.forbidden(
        `The connection is shared by the parent tenant: a child may use it, not ${action} it.`,
      );
    }
    return row;
  }

  private async find(manager: EntityManager, id: string): Promise<ConnectionRow> {
    const row = await this.connections.find(manager, id);
    if (!row) throw DomainException.notFound('The connection');
    return row;
  }

  private async reveal(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    row: ConnectionRow,
  ): Promise<Record<string, unknown> | null> {
    await this.recordActivity(manager, principal, row, 'connection.credentials_read');
    return row.sealedCredentials ? this.keyring.decryptJson<Record<string, unknown>>(row.sealedCredentials) : null;
  }

  private integrationOf(dto: CreateConnectionDto): IntegrationSelector {
    if (dto.integrationId !== undefined && dto.integrationKey !== undefined) {
      throw DomainException.validation('Name the integration by integrationKey or by integrationId, not both.', [
        { field: 'integrationId', message: 'must not be given with integrationKey' },
      ]);
    }
    return dto.integrationId !== undefined ? { id: dto.integrationId } : { key: dto.integrationKey! };
  }

  /** An admin's tenantId must name a live tenant of its workspace (row-level security hides the others). */
  private async assertTenant(manager: EntityManager, tenantId: string): Promise<void> {
    const tenant = await this.connections.findTenantArchivedAt(manager, tenantId);
    if (!tenant) throw DomainException.notFound('The tenant');
    if (tenant.archived_at) {
      throw new DomainException(422, ErrorCode.ValidationFailed, 'The tenant is archived', 'The tenant is archived.', {
        errors: [{ field: 'tenantId', message: 'names an archived tenant' }],
      });
    }
  }

  private seal(credentials: Record<string, unknown> | null | undefined): string | null {
    return credentials ? this.keyring.encryptJson(credentials) : null;
  }

  private async recordActivity(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    row: ConnectionRow,
    type: string,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    await this.activity.record(manager, {
      workspaceId: principal.workspace.id,
      tenantId: row.tenantId,
      type,
      ...activityActorOf(principal),
      data: { connectionId: row.id, ...data },
    });
  }
}

/**
 * The API's view of a connection, as `principal` sees it: credentials only as
 * whether some are set; `userId` is Membrane's name for the tenant;
 * `inherited` when a tenant caller sees another tenant's (its parent's shared) connection.
 */
function toConnectionDto(row: ConnectionRow, principal: WorkspacePrincipal): ConnectionDto {
  return {
    id: row.id,
    tenantId: row.tenantId,
    userId: row.tenantId,
    integrationId: row.integrationId,
    integrationKey: row.integrationKey,
    name: row.name,
    input: row.input,
    disconnected: row.disconnected,
    hasCredentials: row.sealedCredentials !== null,
    shared: row.shared,
    inherited: principal.tenant !== null && row.tenantId !== principal.tenant.id,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archivedAt: row.archivedAt?.toISOString() ?? null,
  };
}
