import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Idempotent, type Page } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import {
  ConnectionCredentialsDto,
  ConnectionDto,
  ConnectionPageDto,
  ConnectionWithSecretsDto,
  CreateConnectionDto,
  GetConnectionQueryDto,
  ListConnectionsQueryDto,
  ReplaceConnectionDto,
  UpdateConnectionDto,
} from './connections.dto.js';
import { ConnectionsService } from './connections.service.js';

/**
 * Tenant-level connections: a tenant token acts on its own, an admin token on
 * every tenant's; anyone else's is 404.
 */
@ApiTags('connections')
@ApiBearerAuth()
@Controller('connections')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiCreatedResponse({
    type: ConnectionDto,
    description:
      'A tenant connects itself; an admin names the tenant with tenantId. 422 for an unknown or archived integration.',
  })
  @ApiOperation({
    summary: 'Create a connection',
    description:
      'A connection of a tenant to an integration. A tenant token creates its own; an admin token names the tenant.',
  })
  create(@CurrentPrincipal() principal: WorkspacePrincipal, @Body() body: CreateConnectionDto): Promise<ConnectionDto> {
    return this.connections.create(principal, body);
  }

  @Get()
  @ApiOkResponse({ type: ConnectionPageDto, description: "A tenant lists its own; an admin every tenant's." })
  @ApiOperation({
    summary: 'List connections',
    description: "A tenant token lists its own; an admin token every tenant's. Cursor-paged.",
  })
  list(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Query() query: ListConnectionsQueryDto,
  ): Promise<Page<ConnectionDto>> {
    return this.connections.list(principal, query);
  }

  @Get(':id')
  @ApiOkResponse({
    type: ConnectionWithSecretsDto,
    description:
      "The owning tenant, or an admin; 404 for anyone else. includeSecrets=false (Membrane's SDK sends it by default) is accepted from either; includeSecrets=true is for admins and is audited.",
  })
  @ApiOperation({
    summary: 'Get a connection',
    description: "404 for another tenant's connection. Secrets only for an admin token with `includeSecrets=true`.",
  })
  get(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: GetConnectionQueryDto,
  ): Promise<ConnectionWithSecretsDto> {
    return this.connections.get(principal, id, query.includeSecrets);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ConnectionDto })
  @ApiOperation({ summary: 'Change a connection', description: "404 for another tenant's connection." })
  patch(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateConnectionDto,
  ): Promise<ConnectionDto> {
    return this.connections.update(principal, id, body, false);
  }

  @Put(':id')
  @ApiOkResponse({ type: ConnectionDto, description: 'Replaces: what is left out is reset.' })
  @ApiOperation({
    summary: 'Replace a connection',
    description: "What is left out is reset. 404 for another tenant's connection.",
  })
  put(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ReplaceConnectionDto,
  ): Promise<ConnectionDto> {
    return this.connections.update(principal, id, body, true);
  }

  @Delete(':id')
  @ApiOkResponse({ type: ConnectionDto, description: 'Archives; emits connection.archived once.' })
  @ApiOperation({
    summary: 'Archive a connection',
    description: "Emits `connection.archived` once. 404 for another tenant's connection.",
  })
  archive(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ConnectionDto> {
    return this.connections.archive(principal, id);
  }

  @Get(':id/credentials')
  @ApiOkResponse({
    type: ConnectionCredentialsDto,
    description: 'Admin only: the decrypted credentials; every read is written to the activity log.',
  })
  @ApiOperation({
    summary: "Read a connection's credentials",
    description: 'Admin tokens only. The decrypted credentials; every read is written to the activity log.',
  })
  credentials(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<{ credentials: unknown }> {
    return this.connections.readCredentials(principal, id);
  }
}
