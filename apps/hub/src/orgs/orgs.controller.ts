import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Idempotent, type Page, PageQueryDto } from '@switchboard/server';

import { Access, orgIn } from '../auth/access.decorator.js';
import { ApiPageResponse } from '../auth/api-page-response.decorator.js';
import { type AuthorizedOrg, CurrentOrg } from '../auth/authorized-org.js';
import { CurrentPrincipal } from '../auth/current-user.decorator.js';
import type { PlatformPrincipal } from '../auth/platform-principal.js';
import { CreateOrgDto, OrgDto } from './orgs.dto.js';
import { OrgsService } from './orgs.service.js';

@ApiTags('orgs')
@Controller('orgs')
export class OrgsController {
  constructor(private readonly orgs: OrgsService) {}

  @Access('any user')
  @Idempotent()
  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: OrgDto, description: 'The caller becomes the owner.' })
  @ApiOperation({ summary: 'Create an org', description: 'A new org; the caller becomes its owner.' })
  create(@CurrentPrincipal() principal: PlatformPrincipal, @Body() body: CreateOrgDto): Promise<OrgDto> {
    return this.orgs.create(principal.user.id, body.name);
  }

  @Access('any user')
  @Get()
  @ApiPageResponse(OrgDto, "The caller's orgs.")
  @ApiOperation({ summary: 'List your orgs', description: 'The orgs the caller is a member of; cursor-paged.' })
  list(@CurrentPrincipal() principal: PlatformPrincipal, @Query() query: PageQueryDto): Promise<Page<OrgDto>> {
    return this.orgs.list(principal.user.id, query);
  }

  @Access('org owner or admin', orgIn.param('id'))
  @Patch(':id')
  @ApiOkResponse({ type: OrgDto })
  @ApiOperation({ summary: 'Rename an org', description: 'Owners and admins of the org.' })
  rename(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @CurrentOrg() org: AuthorizedOrg,
    @Param('id', new ParseUUIDPipe()) _id: string,
    @Body() body: CreateOrgDto,
  ): Promise<OrgDto> {
    return this.orgs.rename(org, principal.user.id, body.name);
  }

  @Access('org member', orgIn.param('id'))
  @Get(':id')
  @ApiOkResponse({ type: OrgDto })
  @ApiOperation({
    summary: 'Get an org',
    description: 'Members of the org; 404 for anyone else, so that existence does not leak.',
  })
  get(@CurrentOrg() org: AuthorizedOrg, @Param('id', new ParseUUIDPipe()) _id: string): Promise<OrgDto> {
    return this.orgs.get(org);
  }
}
