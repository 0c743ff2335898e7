import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem, Idempotent } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import { requireAdmin } from '../workspaces/require-admin.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { InternalIdQueryDto, ReplaceTenantDto, TenantDto, UpdateTenantDto } from './tenants.dto.js';
import { TenantsService } from './tenants.service.js';

/**
 * One tenant addressed by its internalId, as Membrane's SDK does with
 * `customer({ internalId })`: `/tenant?internalId=` and `/customer?internalId=`.
 */
@ApiTags('tenants')
@ApiBearerAuth()
@ApiProblem(404, 'not_found: no tenant has this `internalId`.')
@Controller(['tenant', 'customer'])
export class TenantLookupController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @ApiOkResponse({ type: TenantDto })
  @ApiOperation({
    summary: 'Get a customer (tenant) by internalId',
    description: 'Admin tokens only. The tenant whose `internalId` is `?internalId=`; 404 if none.',
  })
  async get(@CurrentPrincipal() principal: WorkspacePrincipal, @Query() query: InternalIdQueryDto): Promise<TenantDto> {
    requireAdmin(principal, 'Looking up a tenant by internalId');
    return this.tenants.get(principal, await this.tenants.findIdByInternalId(principal, query.internalId));
  }

  @Patch()
  @ApiOkResponse({ type: TenantDto })
  @ApiOperation({
    summary: 'Change a customer (tenant) by internalId',
    description:
      'Admin tokens only. 404 if no tenant has the `internalId`; 409 if the change gives it an `internalId` another tenant has.',
  })
  @ApiProblem(409, 'conflict: another tenant has the new `internalId`.')
  async patch(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Query() query: InternalIdQueryDto,
    @Body() body: UpdateTenantDto,
  ): Promise<TenantDto> {
    requireAdmin(principal, 'Changing a tenant');
    return this.tenants.update(
      principal,
      await this.tenants.findIdByInternalId(principal, query.internalId),
      body,
      false,
    );
  }

  @Put()
  @ApiOkResponse({ type: TenantDto })
  @ApiOperation({
    summary: 'Replace a customer (tenant) by internalId',
    description:
      "Admin tokens only; what is left out is reset. 404 if no tenant has the `internalId`; 409 if the new `internalId` is another tenant's.",
  })
  @ApiProblem(409, 'conflict: another tenant has the new `internalId`.')
  async put(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Query() query: InternalIdQueryDto,
    @Body() body: ReplaceTenantDto,
  ): Promise<TenantDto> {
    requireAdmin(principal, 'Replacing a tenant');
    return this.tenants.update(
      principal,
      await this.tenants.findIdByInternalId(principal, query.internalId),
      body,
      true,
    );
  }

  @Delete()
  @ApiOkResponse({ type: TenantDto })
  @ApiOperation({
    summary: 'Archive a customer (tenant) by internalId',
    description: 'Admin tokens only. Its tokens are refused and its key does not create it again.',
  })
  async archive(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Query() query: InternalIdQueryDto,
  ): Promise<TenantDto> {
    requireAdmin(principal, 'Archiving a tenant');
    return this.tenants.setArchived(
      principal,
      await this.tenants.findIdByInternalId(principal, query.internalId),
      true,
    );
  }

  @Post('restore')
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: TenantDto })
  @ApiOperation({
    summary: 'Restore a customer (tenant) by internalId',
    description: 'Admin tokens only: undoes the archive.',
  })
  async restore(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Query() query: InternalIdQueryDto,
  ): Promise<TenantDto> {
    requireAdmin(principal, 'Restoring a tenant');
    return this.tenants.setArchived(
      principal,
      await this.tenants.findIdByInternalId(principal, query.internalId),
      false,
    );
  }
}
