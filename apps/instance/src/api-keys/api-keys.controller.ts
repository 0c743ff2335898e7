import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblem, Idempotent, type Page } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import { requireTenant } from '../workspaces/require-admin.js';
import { RequiresTenantRole } from '../workspaces/tenant-role.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { ApiKeyDto, ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto, RevokedTokensDto } from './api-keys.dto.js';
import { ApiKeysService } from './api-keys.service.js';

const CREATE_DESCRIPTION =
  'The key (`sbk_<workspace key>_<256 random bits, base64url>`) is in this response only; the instance keeps its ' +
  'SHA-256. It authenticates as `X-API-Key: <key>` or `Authorization: Bearer <key>`, acting as the tenant with the ' +
  "key's `role` (default `member`) until it expires or is revoked. Not idempotent by `Idempotency-Key`: a stored " +
  'response would keep the key at rest. A Switch Account token (one carrying `act`) may not create keys (403): a ' +
  'key would outlive the hour such a token lasts.';

/**
 * Tenant API keys and JWT revocation (API.md, "Tenant API keys, roles and
 * revocation"): an admin token for any tenant, a tenant `owner` for its own.
 */
@ApiTags('api-keys')
@ApiBearerAuth()
@Controller()
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post('tenants/:id/api-keys')
  @HttpCode(201)
  @RequiresTenantRole('owner')
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiOperation({
    summary: "Create a tenant's API key",
    description: `Admin, or the tenant's owner. ${CREATE_DESCRIPTION}`,
  })
  @ApiProblem(409, 'conflict: the tenant already holds the most live keys allowed (100).')
  create(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyDto> {
    return this.keys.create(principal, id, body);
  }

  @Get('tenants/:id/api-keys')
  @RequiresTenantRole('owner')
  @ApiOkResponse({ type: ApiKeyPageDto })
  @ApiOperation({
    summary: "List a tenant's API keys",
    description: "Admin, or the tenant's owner. Live keys with `lastUsedAt` (to the minute), never the key itself.",
  })
  async list(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<Page<ApiKeyDto>> {
    return { items: await this.keys.list(principal, id), cursor: null };
  }

  @Delete('tenants/:id/api-keys/:keyId')
  @HttpCode(204)
  @RequiresTenantRole('owner')
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiOperation({
    summary: "Revoke a tenant's API key",
    description: "Admin, or the tenant's owner. The next request with the key is 401, on every replica.",
  })
  async revoke(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('keyId', ParseUUIDPipe) keyId: string,
  ): Promise<void> {
    await this.keys.revoke(principal, id, keyId);
  }

  @Post('tenants/:id/revoke-tokens')
  @Idempotent()
  @HttpCode(200)
  @ApiOkResponse({ type: RevokedTokensDto })
  @ApiOperation({
    summary: "Revoke a tenant's workspace JWTs",
    description:
      'Admin tokens only. Every workspace JWT for the tenant issued (`iat`) in or before the current second — and ' +
      'every one without `iat` — is refused from now on with `401 token_revoked`. API keys are not affected.',
  })
  revokeTokens(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<RevokedTokensDto> {
    return this.keys.revokeTokens(principal, id);
  }

  @Post('self/api-keys')
  @HttpCode(201)
  @RequiresTenantRole('owner')
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiOperation({
    summary: 'Create an API key of the calling tenant',
    description: `Tenant owners. ${CREATE_DESCRIPTION}`,
  })
  @ApiProblem(409, 'conflict: the tenant already holds the most live keys allowed (100).')
  createOwn(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyDto> {
    return this.keys.create(principal, requireTenant(principal).id, body);
  }

  @Get('self/api-keys')
  @RequiresTenantRole('owner')
  @ApiOkResponse({ type: ApiKeyPageDto })
  @ApiOperation({
    summary: 'List the calling tenant’s API keys',
    description: 'Tenant owners. Live keys with `lastUsedAt` (to the minute), never the key itself.',
  })
  async listOwn(@CurrentPrincipal() principal: WorkspacePrincipal): Promise<Page<ApiKeyDto>> {
    return { items: await this.keys.list(principal, requireTenant(principal).id), cursor: null };
  }

  @Delete('self/api-keys/:keyId')
  @HttpCode(204)
  @RequiresTenantRole('owner')
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiOperation({
    summary: 'Revoke an API key of the calling tenant',
    description: 'Tenant owners. The next request with the key is 401, on every replica.',
  })
  async revokeOwn(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('keyId', ParseUUIDPipe) keyId: string,
  ): Promise<void> {
    await this.keys.revoke(principal, requireTenant(principal).id, keyId);
  }
}
