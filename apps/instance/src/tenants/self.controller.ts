import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import { requireTenant } from '../workspaces/require-admin.js';
import { assertTenantRole } from '../workspaces/tenant-role.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { TenantChildDto, TenantDto, UpdateSelfDto } from './tenants.dto.js';
import { TenantsService } from './tenants.service.js';

/** The caller's own tenant: `/self`, `/tenants/self` and `/customers/self`. */
@ApiTags('tenants')
@ApiBearerAuth()
@Controller()
export class SelfController {
  constructor(private readonly tenants: TenantsService) {}

  @Get(['self', 'tenants/self', 'customers/self'])
  @ApiOkResponse({ type: TenantDto })
  @ApiOperation({
    summary: 'The calling customer (tenant)',
    description: "Tenant tokens only: the tenant the token names (Membrane's `self` / current customer).",
  })
  get(@CurrentPrincipal() principal: WorkspacePrincipal): Promise<TenantDto> {
    return this.tenants.get(principal, requireTenant(principal).id);
  }

  @Get('self/children')
  @ApiOkResponse({ type: [TenantChildDto] })
  @ApiOperation({
    summary: "The calling tenant's children",
    description:
      'Tenant tokens only: the tenants linked to the caller as their parent (API.md, Linked tenants), with their id, internalId (also as `key`) and name — never their data, which a parent cannot read. Empty for a tenant without children.',
  })
  children(@CurrentPrincipal() principal: WorkspacePrincipal): Promise<TenantChildDto[]> {
    return this.tenants.listChildren(principal);
  }

  @Patch(['self', 'tenants/self', 'customers/self'])
  @ApiOkResponse({
    type: TenantDto,
    description: 'A tenant may change its name and fields and set (never read) its credentials.',
  })
  @ApiOperation({
    summary: 'Change the calling customer (tenant)',
    description:
      'Tenant tokens only (role `member` or above). A tenant may change its name and fields and set (never read) its credentials (role `owner`).',
  })
  patch(@CurrentPrincipal() principal: WorkspacePrincipal, @Body() body: UpdateSelfDto): Promise<TenantDto> {
    requireTenant(principal);
    if (body.credentials !== undefined) assertTenantRole(principal.role, 'owner', 'Setting credentials');
    return this.tenants.updateSelf(principal, body);
  }
}
