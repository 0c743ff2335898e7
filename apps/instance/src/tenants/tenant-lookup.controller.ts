import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Idempotent } from '@switchboard/server';

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
@Controller(['tenant', 'customer'])
export class TenantLookupController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @ApiOkResponse({ type: TenantDto })
  async get(@CurrentPrincipal() principal: WorkspacePrincipal, @Query() query: InternalIdQueryDto): Promise<TenantDto> {
    requireAdmin(principal, 'Looking up a tenant by internalId');
    return this.tenants.get(principal, await this.tenants.findIdByInternalId(principal, query.internalId));
  }

  @Patch()
  @ApiOkResponse({ type: TenantDto })
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
