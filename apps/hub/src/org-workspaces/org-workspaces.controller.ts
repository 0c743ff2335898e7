import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem, Idempotent, type Page } from '@switchboard/server';

import { Access, orgIn, orgOfWorkspaceIn } from '../auth/access.decorator.js';
import { ApiPageResponse } from '../auth/api-page-response.decorator.js';
import { CurrentPrincipal, principalOf } from '../auth/current-user.decorator.js';
import type { PlatformPrincipal } from '../auth/platform-principal.js';
import {
  ListOrgWorkspacesQueryDto,
  RotatedSecretDto,
  RotateSecretDto,
  UpdateOrgWorkspaceDto,
  WorkspaceSecretDto,
} from './org-workspace-changes.dto.js';
import {
  AccessTokenDto,
  AccessTokenRequestDto,
  CreatedOrgWorkspaceDto,
  CreateOrgWorkspaceDto,
  OrgWorkspaceDto,
} from './org-workspaces.dto.js';
import { OrgWorkspacesService } from './org-workspaces.service.js';

@ApiTags('org-workspaces')
@Controller('org-workspaces')
export class OrgWorkspacesController {
  constructor(private readonly workspaces: OrgWorkspacesService) {}

  @Access('org owner or admin', orgIn.body('orgId'))
  @Idempotent()
  @ApiProblem(503, 'no_instance_available: no instance is up and accepting new workspaces.')
  @ApiProblem(
    409,
    'no_instance_available: no instance that is up and accepts new workspaces carries the labels of `placement` (named in the detail).',
  )
  @ApiProblem(
    403,
    'forbidden: the instance named by `instanceId` does not accept new workspaces; only platform admins may place one there.',
  )
  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: CreatedOrgWorkspaceDto })
  @ApiOperation({
    summary: 'Create a workspace',
    description:
      "Owners and admins of the org named in the body. The Hub places the workspace on the instance named by `instanceId`, or among the instances whose labels match `placement.labels`, or on the least-loaded instance; only instances that are up and accept new workspaces are chosen, and only platform admins may name one that does not accept new workspaces (403). It serves the workspace's API at `apiUrl` (the gateway's URL when the Hub has one); the workspace secret is shown in this response. 409 if no instance matches the labels, 503 if no instance accepts new workspaces.",
  })
  create(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Body() body: CreateOrgWorkspaceDto,
  ): Promise<CreatedOrgWorkspaceDto> {
    return this.workspaces.create(principal.user, body);
  }

  @Access('org member', orgIn.query('orgId'))
  @Get()
  @ApiPageResponse(OrgWorkspaceDto, 'The org workspaces of an org the caller is a member of; cursor-paged.')
  @ApiOperation({
    summary: "List an org's workspaces",
    description: 'Members of the org named by `orgId`; cursor-paged.',
  })
  list(@Query() query: ListOrgWorkspacesQueryDto): Promise<Page<OrgWorkspaceDto>> {
    return this.workspaces.list(query);
  }

  @Access('org owner or admin', orgOfWorkspaceIn('id'))
  @Patch(':id')
  @ApiOkResponse({
    type: OrgWorkspaceDto,
    description: 'Routed to the instance: sync.state is pending until it applies.',
  })
  @ApiOperation({
    summary: "Change a workspace's configuration",
    description:
      "Owners and admins of the workspace's org. The new configuration is sent to the workspace's instance; `sync.state` is `pending` until the instance applies it.",
  })
  update(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: UpdateOrgWorkspaceDto,
  ): Promise<OrgWorkspaceDto> {
    return this.workspaces.update(principal.user.id, id, body);
  }

  @Access('org owner or admin', orgOfWorkspaceIn('id'))
  @Get(':id/secret')
  @ApiOkResponse({ type: WorkspaceSecretDto })
  @ApiOperation({
    summary: 'Read the workspace secret',
    description:
      "Owners and admins of the workspace's org. The secret that signs the workspace's access tokens (HS256); every read is in the audit log.",
  })
  secret(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<WorkspaceSecretDto> {
    return this.workspaces.readSecret(principal.user.id, id);
  }

  @Access('org owner or admin', orgOfWorkspaceIn('id'))
  @Idempotent()
  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOkResponse({ type: RotatedSecretDto })
  @ApiOperation({
    summary: 'Rotate the workspace secret',
    description:
      "Owners and admins of the workspace's org. A new secret; the previous one stays valid for the grace period given.",
  })
  rotateSecret(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: RotateSecretDto,
  ): Promise<RotatedSecretDto> {
    return this.workspaces.rotateSecret(principal.user.id, id, body);
  }

  @Access('org owner or admin', orgOfWorkspaceIn('id'))
  @Idempotent()
  @ApiProblem(409, 'conflict: the workspace is archived already.')
  @Post(':id/archive')
  @HttpCode(200)
  @ApiOkResponse({ type: OrgWorkspaceDto, description: 'While archived, its instance refuses every token for it.' })
  @ApiOperation({
    summary: 'Archive a workspace',
    description:
      "Owners and admins of the workspace's org. While archived, its instance refuses every token for it. 409 if it is archived already.",
  })
  archive(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<OrgWorkspaceDto> {
    return this.workspaces.setArchived(principal.user.id, id, true);
  }

  @Access('org owner or admin', orgOfWorkspaceIn('id'))
  @Idempotent()
  @ApiProblem(409, 'conflict: the workspace is not archived.')
  @Post(':id/restore')
  @HttpCode(200)
  @ApiOkResponse({ type: OrgWorkspaceDto })
  @ApiOperation({
    summary: 'Restore an archived workspace',
    description: "Owners and admins of the workspace's org. 409 if it is not archived.",
  })
  restore(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<OrgWorkspaceDto> {
    return this.workspaces.setArchived(principal.user.id, id, false);
  }

  @Access('org member', orgOfWorkspaceIn('id'))
  @Get(':id')
  @ApiOkResponse({ type: OrgWorkspaceDto })
  @ApiOperation({
    summary: 'Get a workspace',
    description: "Members of the workspace's org, with its sync state on its instance.",
  })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<OrgWorkspaceDto> {
    return this.workspaces.get(id);
  }

  // Not @Idempotent(): a repeat issues another token (and audits it), which is what a client retrying wants; the
  // interceptor would cost this, the Hub's hottest route, about a sixth of its throughput (bench/access-token).
  @Access('org owner or admin', orgOfWorkspaceIn('id', { cached: true, switchAccount: true }))
  @ApiProblem(409, 'conflict: the workspace is archived; restore it first.')
  @Post(':id/access-token')
  @HttpCode(200)
  @ApiOkResponse({ type: AccessTokenDto })
  @ApiOperation({
    summary: 'Issue an access token',
    description:
      "Owners and admins of the workspace's org. A workspace access token (JWT, HS256) for the workspace's instance: a workspace-admin token, or a token for one customer (tenant) named by `tenantId` or `tenantKey` (its internalId). Every issuance is written to the org's audit log (`access_token_issued`: tenant, admin or not, expiry; never the token). Users holding the `switch_account` platform permission may issue tokens for any org's workspace: with a required `reason`, for at most 3600 seconds, without `name` or `fields` (the token acts as the tenant is), carrying `act: {sub: <their user id>}` (RFC 8693), which the instance records on every request made with it. 409 if the workspace is archived.",
  })
  accessToken(
    // The request, not @CurrentPrincipal(): Nest puts no pipe on it, where a custom parameter goes through the
    // global validation pipe (which returns it as it is) at the cost of some six promises a request.
    @Req() request: { principal?: PlatformPrincipal },
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: AccessTokenRequestDto,
  ): Promise<AccessTokenDto> {
    return this.workspaces.issueAccessToken(principalOf(request).user, id, body);
  }
}
