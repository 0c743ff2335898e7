import { Injectable } from '@nestjs/common';
import { Keyring } from '@switchboard/crypto';
import type { Columns } from '@switchboard/persistence';
import { decodeCursor, DomainException, ErrorCode, type Page, pageLimit, toPage } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { TenantScope } from '../database/tenant-scope.js';
import { requireAdmin } from '../workspaces/require-admin.js';
import { scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import type { Integration } from './integration.entity.js';
import { describeSelector, type IntegrationSelector } from './integration-selector.pipe.js';
import {
  type CreateIntegrationDto,
  type IntegrationDto,
  isIntegrationAuthType,
  type ListIntegrationsQueryDto,
  type ReplaceIntegrationDto,
  type UpdateIntegrationDto,
} from './integrations.dto.js';
import { IntegrationsRepository } from './integrations.repository.js';

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
    private readonly integrations: IntegrationsRepository,
    private readonly keyring: Keyring,
  ) {}

  async list(principal: WorkspacePrincipal, query: ListIntegrationsQueryDto): Promise<Page<IntegrationDto>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const search = query.search ? `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const rows = await this.integrations.listPage(scopeOf(principal), {
      search,
      includeArchived: query.includeArchived ?? false,
      after,
      limit: limit + 1,
    });
    return toPage(rows, limit, (row) => ({ at: row.position, id: row.id }), toIntegrationDto);
  }

  async get(principal: WorkspacePrincipal, selector: IntegrationSelector): Promise<IntegrationDto> {
    return this.scope.run(scopeOf(principal), async (manager) => toIntegrationDto(await this.find(manager, selector)));
  }

  async create(principal: WorkspacePrincipal, dto: CreateIntegrationDto): Promise<IntegrationDto> {
    requireAdmin(principal, 'Creating an integration');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const connectorKey = await this.readableConnector(manager, dto.connectorKey ?? null);
      const row = await this.unique(
        this.integrations.insert(manager, principal.workspace.id, {
          connectorKey,
          key: dto.key,
          name: dto.name,
          authType: dto.authType,
          clientId: dto.clientId ?? null,
          sealedClientSecret: this.seal(dto.clientSecret),
          settings: dto.settings ?? {},
        }),
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
        authType: dto.authType ?? current.authType,
        clientId: dto.clientId !== undefined ? dto.clientId : replace ? null : current.clientId,
        sealedClientSecret:
          dto.clientSecret !== undefined ? this.seal(dto.clientSecret) : replace ? null : current.sealedClientSecret,
        settings: dto.settings ?? (replace ? {} : current.settings),
        connectorKey:
          dto.connectorKey === undefined
            ? replace
              ? null
              : current.connectorKey
            : dto.connectorKey === current.connectorKey
              ? current.connectorKey
              : await this.readableConnector(manager, dto.connectorKey),
      };
      const row = await this.unique(this.integrations.update(manager, current.id, next), next.key);
      if (!row) throw DomainException.notFound(describeSelector(selector));
      return toIntegrationDto(row);
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
      const row = await this.integrations.setArchived(manager, current.id, archived);
      if (!row) throw DomainException.notFound(describeSelector(selector));
      return toIntegrationDto(row);
    });
  }

  /**
   * The integration a new connection names, inside the caller's transaction.
   * An unknown or archived one is a problem with the request body (422), not
   * a missing resource at the URL.
   */
  async findForConnecting(manager: EntityManager, selector: IntegrationSelector): Promise<Columns<Integration>> {
    const field = 'id' in selector ? 'integrationId' : 'integrationKey';
    const row = await this.integrations.find(manager, selector);
    if (row && !row.archivedAt) return row;
    const [message, detail] = row
      ? ['names an archived integration', `${describeSelector(selector)} is archived and takes no new connections.`]
      : ['names no integration of this workspace', `${describeSelector(selector)} does not exist in this workspace.`];
    throw new DomainException(422, ErrorCode.ValidationFailed, 'Cannot connect to this integration', detail, {
      errors: [{ field, message }],
    });
  }

  private async find(manager: EntityManager, selector: IntegrationSelector): Promise<Columns<Integration>> {
    const row = await this.integrations.find(manager, selector);
    if (!row) throw DomainException.notFound(describeSelector(selector));
    return row;
  }

  /**
   * The connector key if the workspace can read a live connector by it (its
   * own, or the universe's); null stays null.
   * @throws DomainException 400 (connectorKey) otherwise.
   */
  private async readableConnector(manager: EntityManager, key: string | null): Promise<string | null> {
    if (key === null || (await this.integrations.connectorReadable(manager, key))) return key;
    throw DomainException.validation(`connectorKey: names no connector this workspace can read ("${key}").`, [
      { field: 'connectorKey', message: 'names no live connector of this workspace or of the universe' },
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

/**
 * The API's view of an integration: the client secret only as whether one is set.
 * @throws Error when the stored auth type is none the API writes (a bug, not bad input).
 */
function toIntegrationDto(row: Columns<Integration>): IntegrationDto {
  if (!isIntegrationAuthType(row.authType)) throw new Error(`integration ${row.id} has an unknown auth type`);
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    authType: row.authType,
    clientId: row.clientId,
    hasClientSecret: row.sealedClientSecret !== null,
    settings: row.settings,
    connectorKey: row.connectorKey,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archivedAt: row.archivedAt?.toISOString() ?? null,
  };
}
