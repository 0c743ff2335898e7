import { Injectable } from '@nestjs/common';
import { Keyring } from '@switchboard/crypto';
import { decodeCursor, DomainException, ErrorCode, type Page, pageLimit, toPage } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { TenantScope } from '../database/tenant-scope.js';
import { requireAdmin } from '../workspaces/require-admin.js';
import { scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { INTEGRATION_COLUMNS, type IntegrationRow, toIntegrationDto } from './integration-row.js';
import { describeSelector, type IntegrationSelector } from './integration-selector.pipe.js';
import type {
  CreateIntegrationDto,
  IntegrationDto,
  ListIntegrationsQueryDto,
  ReplaceIntegrationDto,
  UpdateIntegrationDto,
} from './integrations.dto.js';

const UNIQUE_VIOLATION = '23505';

/**
 * The workspace's integrations. Every query runs in the caller's scope, so
 * row-level security keeps each workspace to its own; any token may read
 * them, only an admin token may change them (and the policy refuses writes
 * from a tenant scope as well).
 */
@Injectable()
export class IntegrationsService {
  constructor(
    private readonly scope: TenantScope,
    private readonly keyring: Keyring,
  ) {}

  async list(principal: WorkspacePrincipal, query: ListIntegrationsQueryDto): Promise<Page<IntegrationDto>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const search = query.search ? `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const rows = await this.scope.run(scopeOf(principal), (manager) =>
      manager.query<IntegrationRow[]>(
        `SELECT ${INTEGRATION_COLUMNS}, to_json(created_at) #>> '{}' AS position FROM integrations
         WHERE ($1::text IS NULL OR name ILIKE $1 OR key ILIKE $1)
           AND ($2 OR archived_at IS NULL)
           AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
         ORDER BY created_at, id
         LIMIT $5`,
        [search, query.includeArchived ?? false, after?.at ?? null, after?.id ?? null, limit + 1],
      ),
    );
    return toPage(rows, limit, (row) => ({ at: row.position!, id: row.id }), toIntegrationDto);
  }

  async get(principal: WorkspacePrincipal, selector: IntegrationSelector): Promise<IntegrationDto> {
    return this.scope.run(scopeOf(principal), async (manager) => toIntegrationDto(await this.find(manager, selector)));
  }

  async create(principal: WorkspacePrincipal, dto: CreateIntegrationDto): Promise<IntegrationDto> {
    requireAdmin(principal, 'Creating an integration');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const [row] = await this.unique(
        manager.query<IntegrationRow[]>(
          `INSERT INTO integrations (workspace_id, key, name, auth_type, client_id, sealed_client_secret, settings)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${INTEGRATION_COLUMNS}`,
          [
            principal.workspace.id,
            dto.key,
            dto.name,
            dto.authType,
            dto.clientId ?? null,
            this.seal(dto.clientSecret),
            JSON.stringify(dto.settings ?? {}),
          ],
        ),
        dto.key,
      );
      return toIntegrationDto(row);
    });
  }

  async update(
    principal: WorkspacePrincipal,
    selector: IntegrationSelector,
    dto: UpdateIntegrationDto | ReplaceIntegrationDto,
    replace: boolean,
  ): Promise<IntegrationDto> {
    requireAdmin(principal, replace ? 'Replacing an integration' : 'Changing an integration');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.find(manager, selector);
      // PATCH keeps what is not given; PUT clears it. `null` clears in either.
      const next = {
        key: dto.key ?? current.key,
        name: dto.name ?? current.name,
        authType: dto.authType ?? current.auth_type,
        clientId: dto.clientId !== undefined ? dto.clientId : replace ? null : current.client_id,
        sealedClientSecret:
          dto.clientSecret !== undefined ? this.seal(dto.clientSecret) : replace ? null : current.sealed_client_secret,
        settings: dto.settings ?? (replace ? {} : current.settings),
      };
      const [rows] = await this.unique(
        manager.query<[IntegrationRow[], number]>(
          `UPDATE integrations SET key = $2, name = $3, auth_type = $4, client_id = $5, sealed_client_secret = $6,
             settings = $7, updated_at = now()
           WHERE id = $1 RETURNING ${INTEGRATION_COLUMNS}`,
          [
            current.id,
            next.key,
            next.name,
            next.authType,
            next.clientId,
            next.sealedClientSecret,
            JSON.stringify(next.settings),
          ],
        ),
        next.key,
      );
      return toIntegrationDto(rows[0]);
    });
  }

  /** Archiving keeps the row (and its connections); it only stops new connections to it. */
  async setArchived(
    principal: WorkspacePrincipal,
    selector: IntegrationSelector,
    archived: boolean,
  ): Promise<IntegrationDto> {
    requireAdmin(principal, archived ? 'Archiving an integration' : 'Restoring an integration');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const current = await this.find(manager, selector);
      const [rows] = await manager.query<[IntegrationRow[], number]>(
        `UPDATE integrations SET archived_at = CASE WHEN $2 THEN COALESCE(archived_at, now()) END, updated_at = now()
         WHERE id = $1 RETURNING ${INTEGRATION_COLUMNS}`,
        [current.id, archived],
      );
      return toIntegrationDto(rows[0]);
    });
  }

  /**
   * The integration a new connection names, inside the caller's transaction.
   * An unknown or archived one is a problem with the request body (422), not
   * a missing resource at the URL.
   */
  async findForConnecting(manager: EntityManager, selector: IntegrationSelector): Promise<IntegrationRow> {
    const field = 'id' in selector ? 'integrationId' : 'integrationKey';
    const [row] = await this.query(manager, selector);
    if (row && !row.archived_at) return row;
    const [message, detail] = row
      ? ['names an archived integration', `${describeSelector(selector)} is archived and takes no new connections.`]
      : ['names no integration of this workspace', `${describeSelector(selector)} does not exist in this workspace.`];
    throw new DomainException(422, ErrorCode.ValidationFailed, 'Cannot connect to this integration', detail, {
      errors: [{ field, message }],
    });
  }

  private async find(manager: EntityManager, selector: IntegrationSelector): Promise<IntegrationRow> {
    const [row] = await this.query(manager, selector);
    if (!row) throw DomainException.notFound(describeSelector(selector));
    return row;
  }

  private query(manager: EntityManager, selector: IntegrationSelector): Promise<IntegrationRow[]> {
    return 'id' in selector
      ? manager.query<IntegrationRow[]>(`SELECT ${INTEGRATION_COLUMNS} FROM integrations WHERE id = $1`, [selector.id])
      : manager.query<IntegrationRow[]>(`SELECT ${INTEGRATION_COLUMNS} FROM integrations WHERE key = $1`, [
          selector.key,
        ]);
  }

  private seal(secret: string | null | undefined): string | null {
    return secret ? this.keyring.encrypt(secret) : null;
  }

  /** A used key is a conflict, not a fault. */
  private async unique<T>(query: Promise<T>, key: string): Promise<T> {
    try {
      return await query;
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw DomainException.conflict(`An integration with key "${key}" already exists in this workspace.`);
      }
      throw error;
    }
  }
}
