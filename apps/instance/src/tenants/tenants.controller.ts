import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem, Idempotent, type Page } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import {
  CreateTenantDto,
  ListTenantsQueryDto,
  ReplaceTenantDto,
  TenantDto,
  TenantPageDto,
  UpdateTenantDto,
} from './tenants.dto.js';
import { TenantsService } from './tenants.service.js';

/** `/customers` serves the same routes, for Membrane clients. */
@ApiTags('tenants')
@ApiBearerAuth()
@Controller(['tenants', 'customers'])
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @ApiOkResponse({ type: TenantPageDto })
  @ApiOperation({ summary: 'List customers (tenants)', description: 'Admin tokens only. Cursor-paged.' })
  list(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Query() query: ListTenantsQueryDto,
  ): Promise<Page<TenantDto>> {
    return this.tenants.list(principal, query);
  }

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiCreatedResponse({ type: TenantDto })
  @ApiOperation({
    summary: 'Create a customer (tenant)',
    description:
      'Admin tokens only. 409 if a tenant with the `internalId` exists in the workspace. `parentId` links the new tenant to a parent tenant of the workspace at once, with the rules of PATCH: 409 when the parent has a parent itself, 400 when `parentId` names no tenant of the workspace; a refused link creates no tenant.',
  })
  @ApiProblem(
    409,
    'conflict: a tenant with this `internalId` exists, or the parent already has a parent (one level only).',
  )
  create(@CurrentPrincipal() principal: WorkspacePrincipal, @Body() body: CreateTenantDto): Promise<TenantDto> {
    return this.tenants.create(principal, body);
  }

  @Get(':id')
  @ApiOkResponse({ type: TenantDto, description: 'Admin, or the tenant itself; 404 for any other tenant.' })
  @ApiOperation({
    summary: 'Get a customer (tenant)',
    description: 'An admin token, or the tenant itself; 404 for any other tenant.',
  })
  get(@CurrentPrincipal() principal: WorkspacePrincipal, @Param('id', ParseUUIDPipe) id: string): Promise<TenantDto> {
    return this.tenants.get(principal, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: TenantDto })
  @ApiOperation({
    summary: 'Change a customer (tenant)',
    description:
      "Admin tokens only. 409 if the new `internalId` is another tenant's. `parentId` links the tenant to a parent tenant of the workspace (null unlinks it): one level only, so 409 when the parent has a parent, the tenant has children, or the tenant would be its own parent; 400 when `parentId` names no tenant of the workspace.",
  })
  @ApiProblem(
    409,
    'conflict: another tenant has the new `internalId`, or the `parentId` link would be deeper than one level (or the tenant itself).',
  )
  patch(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateTenantDto,
  ): Promise<TenantDto> {
    return this.tenants.update(principal, id, body, false);
  }

  @Put(':id')
  @ApiOkResponse({ type: TenantDto })
  @ApiOperation({
    summary: 'Replace a customer (tenant)',
    description: "Admin tokens only; what is left out is reset. 409 if the new `internalId` is another tenant's.",
  })
  @ApiProblem(409, 'conflict: another tenant has the new `internalId`.')
  put(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ReplaceTenantDto,
  ): Promise<TenantDto> {
    return this.tenants.update(principal, id, body, true);
  }

  @Delete(':id')
  @ApiOkResponse({
    type: TenantDto,
    description: 'Archives: its tokens are refused and its key does not create it again.',
  })
  @ApiOperation({
    summary: 'Archive a customer (tenant)',
    description: 'Admin tokens only. Its tokens are refused and its key does not create it again.',
  })
  archive(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<TenantDto> {
    return this.tenants.setArchived(principal, id, true);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: TenantDto })
  @ApiOperation({ summary: 'Restore a customer (tenant)', description: 'Admin tokens only: undoes the archive.' })
  restore(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<TenantDto> {
    return this.tenants.setArchived(principal, id, false);
  }

  @Get(':id/credentials')
  @ApiOkResponse({ description: 'The decrypted credentials; every read is written to the activity log.' })
  @ApiOperation({
    summary: "Read a customer's (tenant's) credentials",
    description: 'Admin tokens only. The decrypted credentials; every read is written to the activity log.',
  })
  credentials(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<{ credentials: unknown }> {
    return this.tenants.readCredentials(principal, id);
  }
}
