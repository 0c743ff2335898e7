import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiProblem, Idempotent, type Page } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { type IntegrationSelector, IntegrationSelectorPipe } from './integration-selector.pipe.js';
import {
  CreateIntegrationDto,
  IntegrationDto,
  IntegrationPageDto,
  ListIntegrationsQueryDto,
  ReplaceIntegrationDto,
  UpdateIntegrationDto,
} from './integrations.dto.js';
import { IntegrationsService } from './integrations.service.js';

const ID_OR_KEY = { name: 'idOrKey', description: "The integration's id (a UUID) or its key." };

/**
 * Workspace-level integrations: any token reads them, an admin token changes
 * them. `PUT` and `POST …/restore` are not in the contract's table; Membrane's
 * SDK (`integration(idOrKey).put()` / `.restore()`) calls them, so they are served.
 */
@ApiTags('integrations')
@ApiBearerAuth()
@Controller('integrations')
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @Get()
  @ApiOkResponse({ type: IntegrationPageDto, description: 'Any token. Archived ones only with includeArchived=true.' })
  @ApiOperation({
    summary: 'List integrations',
    description: 'Any token. Archived ones only with `includeArchived=true`. Cursor-paged.',
  })
  list(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Query() query: ListIntegrationsQueryDto,
  ): Promise<Page<IntegrationDto>> {
    return this.integrations.list(principal, query);
  }

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiCreatedResponse({ type: IntegrationDto, description: 'Admin only; 409 when the key is used in the workspace.' })
  @ApiOperation({
    summary: 'Create an integration',
    description: 'Admin tokens only. 409 if the key is used in the workspace.',
  })
  @ApiProblem(409, 'conflict: the key is used in the workspace.')
  create(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Body() body: CreateIntegrationDto,
  ): Promise<IntegrationDto> {
    return this.integrations.create(principal, body);
  }

  @Get(':idOrKey')
  @ApiParam(ID_OR_KEY)
  @ApiOkResponse({ type: IntegrationDto, description: 'Any token; archived ones too.' })
  @ApiOperation({ summary: 'Get an integration', description: 'Any token, by id or key; archived ones too.' })
  get(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('idOrKey', IntegrationSelectorPipe) selector: IntegrationSelector,
  ): Promise<IntegrationDto> {
    return this.integrations.get(principal, selector);
  }

  @Patch(':idOrKey')
  @ApiParam(ID_OR_KEY)
  @ApiOkResponse({ type: IntegrationDto, description: 'Admin only.' })
  @ApiOperation({
    summary: 'Change an integration',
    description: 'Admin tokens only. 409 if the new key is used in the workspace.',
  })
  @ApiProblem(409, 'conflict: the new key is used in the workspace.')
  patch(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('idOrKey', IntegrationSelectorPipe) selector: IntegrationSelector,
    @Body() body: UpdateIntegrationDto,
  ): Promise<IntegrationDto> {
    return this.integrations.update(principal, selector, body, false);
  }

  @Put(':idOrKey')
  @ApiParam(ID_OR_KEY)
  @ApiOkResponse({
    type: IntegrationDto,
    description:
      "Admin only. Replaces: what is left out is cleared. Beyond the contract's table, for Membrane's SDK (`integration(idOrKey).put()`).",
  })
  @ApiOperation({
    summary: 'Replace an integration',
    description: 'Admin tokens only; what is left out is reset. 409 if the new key is used in the workspace.',
  })
  @ApiProblem(409, 'conflict: the new key is used in the workspace.')
  put(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('idOrKey', IntegrationSelectorPipe) selector: IntegrationSelector,
    @Body() body: ReplaceIntegrationDto,
  ): Promise<IntegrationDto> {
    return this.integrations.update(principal, selector, body, true);
  }

  @Delete(':idOrKey')
  @ApiParam(ID_OR_KEY)
  @ApiOkResponse({
    type: IntegrationDto,
    description: 'Admin only. Archives: existing connections stay, new ones are refused.',
  })
  @ApiOperation({ summary: 'Archive an integration', description: 'Admin tokens only.' })
  archive(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('idOrKey', IntegrationSelectorPipe) selector: IntegrationSelector,
  ): Promise<IntegrationDto> {
    return this.integrations.setArchived(principal, selector, true);
  }

  @Post(':idOrKey/restore')
  @HttpCode(200)
  @Idempotent()
  @ApiParam(ID_OR_KEY)
  @ApiOkResponse({
    type: IntegrationDto,
    description:
      "Admin only. Undoes the archive. Beyond the contract's table, for Membrane's SDK (`integration(idOrKey).restore()`).",
  })
  @ApiOperation({ summary: 'Restore an integration', description: 'Admin tokens only: undoes the archive.' })
  restore(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('idOrKey', IntegrationSelectorPipe) selector: IntegrationSelector,
  ): Promise<IntegrationDto> {
    return this.integrations.setArchived(principal, selector, false);
  }
}
