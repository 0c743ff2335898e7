import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Idempotent, type Page, PageQueryDto } from '@switchboard/server';

import { Access } from '../auth/access.decorator.js';
import { ApiPageResponse } from '../auth/api-page-response.decorator.js';
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
  create(@CurrentPrincipal() principal: PlatformPrincipal, @Body() body: CreateOrgDto): Promise<OrgDto> {
    return this.orgs.create(principal.user.id, body.name);
  }

  @Access('any user')
  @Get()
  @ApiPageResponse(OrgDto, "The caller's orgs.")
  list(@CurrentPrincipal() principal: PlatformPrincipal, @Query() query: PageQueryDto): Promise<Page<OrgDto>> {
    return this.orgs.list(principal.user.id, query);
  }

  @Access('org owner or admin')
  @Patch(':id')
  @ApiOkResponse({ type: OrgDto })
  rename(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: CreateOrgDto,
  ): Promise<OrgDto> {
    return this.orgs.rename(id, principal.user.id, body.name);
  }

  @Access('org member')
  @Get(':id')
  @ApiOkResponse({ type: OrgDto })
  get(@CurrentPrincipal() principal: PlatformPrincipal, @Param('id', new ParseUUIDPipe()) id: string): Promise<OrgDto> {
    return this.orgs.get(id, principal.user.id);
  }
}
