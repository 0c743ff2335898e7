import { Injectable } from '@nestjs/common';
import { Keyring } from '@switchboard/crypto';
import { decodeCursor, DomainException, ErrorCode, type Page, pageLimit, toPage } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { TenantScope } from '../database/tenant-scope.js';
import type { IntegrationSelector } from '../integrations/integration-selector.pipe.js';
import { IntegrationsService } from '../integrations/integrations.service.js';
import { type ActivityActor, ActivityLogService } from '../journal/activity-log.service.js';
import { EventOutbox } from '../journal/event-outbox.js';
import { actedOnTenant, namedTenant, requireAdmin } from '../workspaces/require-admin.js';
import { scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { CONNECTION_COLUMNS, type ConnectionRow, toConnectionDto } from './connection-row.js';
import type {
  ConnectionDto,
  ConnectionWithSecretsDto,
  CreateConnectionDto,
  ListConnectionsQueryDto,
  ReplaceConnectionDto,
  UpdateConnectionDto,
} from './connections.dto.js';

/** Runs a statement that returns connections rows (`RETURNING *`) and joins each with its integration. */
const withIntegration = (modifying: string) =>
  `WITH c AS (${modifying} RETURNING *) SELECT ${CONNECTION_COLUMNS} FROM c JOIN integrations i ON i.id = c.integration_id`;

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
      const [row] = await manager.query<ConnectionRow[]>(
        withIntegration(
          `INSERT INTO connections (workspace_id, tenant_id, integration_id, name, input, sealed_credentials)
           VALUES ($1, $2, $3, $4, $5, $6)`,
        ),
        [
          principal.workspace.id,
          tenantId,
          integration.id,
          dto.name ?? integration.name,
          JSON.stringify(dto.input ?? {}),
          this.seal(dto.credentials),
        ],
      );
      const connection = toConnectionDto(row);
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
    const tenantId = namedTenant(principal, query.tenantId ?? query.userId);
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const search = query.search ? `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const rows = await this.scope.run(scopeOf(principal), (manager) =>
      manager.query<ConnectionRow[]>(
        `SELECT ${CONNECTION_COLUMNS}, to_json(c.created_at) #>> '{}' AS position
         FROM connections c JOIN integrations i ON i.id = c.integration_id
         WHERE ($1::uuid IS NULL OR c.tenant_id = $1)
           AND ($2::text IS NULL OR i.key = $2)
           AND ($3::uuid IS NULL OR c.integration_id = $3)
           AND ($4::text IS NULL OR c.name ILIKE $4)
           AND ($5::boolean IS NULL OR c.disconnected = $5)
           AND ($6 OR c.archived_at IS NULL)
           AND ($7::timestamptz IS NULL OR (c.created_at, c.id) > ($7::timestamptz, $8::uuid))
         ORDER BY c.created_at, c.id
         LIMIT $9`,
        [
          tenantId,
          query.integrationKey ?? null,
          query.integrationId ?? null,
          search,
          query.disconnected ?? null,
          query.includeArchived ?? false,
          after?.at ?? null,
          after?.id ?? null,
          limit + 1,
        ],
      ),
    );
    return toPage(rows, limit, (row) => ({ at: row.position!, id: row.id }), toConnectionDto);
  }

  /** With `includeSecrets`, for admins only, the decrypted credentials too; that read is audited. */
  async get(principal: WorkspacePrincipal, id: string, includeSecrets = false): Promise<ConnectionWithSecretsDto> {
    if (includeSecrets) requireAdmin(principal, 'Reading connection credentials (includeSecrets=true)');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const row = await this.find(manager, id);
      if (!includeSecrets) return toConnectionDto(row);
      return { ...toConnectionDto(row), credentials: await this.reveal(manager, principal, row) };
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
      const current = await this.find(manager, id);
      // PATCH keeps what is not given; PUT resets it.
      const next = {
        name: dto.name ?? (replace ? current.integration_name : current.name),
        input: dto.input ?? (replace ? {} : current.input),
        sealedCredentials:
          dto.credentials !== undefined ? this.seal(dto.credentials) : replace ? null : current.sealed_credentials,
        disconnected: dto.disconnected ?? (replace ? false : current.disconnected),
      };
      const [row] = await manager.query<ConnectionRow[]>(
        withIntegration(
          `UPDATE connections SET name = $2, input = $3, sealed_credentials = $4, disconnected = $5, updated_at = now()
           WHERE id = $1`,
        ),
        [id, next.name, JSON.stringify(next.input), next.sealedCredentials, next.disconnected],
      );
      const connection = toConnectionDto(row);
      if (dto.credentials !== undefined || (replace && current.sealed_credentials !== null)) {
        await this.recordActivity(manager, principal, row, 'connection.credentials_set', {
          cleared: next.sealedCredentials === null,
        });
      }
      if (next.disconnected && !current.disconnected) {
        await this.recordActivity(manager, principal, row, 'connection.disconnected');
        await this.outbox.enqueue(manager, {
          workspaceId: principal.workspace.id,
          tenantId: row.tenant_id,
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
      const current = await this.find(manager, id);
      if (current.archived_at) return toConnectionDto(current);
      const [row] = await manager.query<ConnectionRow[]>(
        withIntegration('UPDATE connections SET archived_at = now(), updated_at = now() WHERE id = $1'),
        [id],
      );
      const connection = toConnectionDto(row);
      await this.recordActivity(manager, principal, row, 'connection.archived');
      await this.outbox.enqueue(manager, {
        workspaceId: principal.workspace.id,
        tenantId: row.tenant_id,
        type: 'connection.archived',
        data: { ...connection },
      });
      return connection;
    });
  }

  private async find(manager: EntityManager, id: string): Promise<ConnectionRow> {
    const [row] = await manager.query<ConnectionRow[]>(
      `SELECT ${CONNECTION_COLUMNS} FROM connections c JOIN integrations i ON i.id = c.integration_id WHERE c.id = $1`,
      [id],
    );
    if (!row) throw DomainException.notFound('The connection');
    return row;
  }

  private async reveal(
    manager: EntityManager,
    principal: WorkspacePrincipal,
    row: ConnectionRow,
  ): Promise<Record<string, unknown> | null> {
    await this.recordActivity(manager, principal, row, 'connection.credentials_read');
    return row.sealed_credentials ? this.keyring.decryptJson<Record<string, unknown>>(row.sealed_credentials) : null;
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
    const [tenant] = await manager.query<{ archived_at: Date | null }[]>(
      'SELECT archived_at FROM tenants WHERE id = $1',
      [tenantId],
    );
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
    const actor: ActivityActor = principal.isAdmin ? 'admin' : 'tenant';
    await this.activity.record(manager, {
      workspaceId: principal.workspace.id,
      tenantId: row.tenant_id,
      type,
      actor,
      data: { connectionId: row.id, ...data },
    });
  }
}
