import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem, Idempotent, type Page, PageQueryDto } from '@switchboard/server';

import { Access, orgIn } from '../auth/access.decorator.js';
import { ApiPageResponse } from '../auth/api-page-response.decorator.js';
import { CurrentPrincipal } from '../auth/current-user.decorator.js';
import type { PlatformPrincipal } from '../auth/platform-principal.js';
import { AddMemberDto, ChangeRoleDto, MemberDto } from './members.dto.js';
import { MembersService } from './members.service.js';

/** An org's members and their roles. Only owners change them, and an org always keeps an owner. */
@ApiTags('orgs')
@Controller('orgs/:orgId/members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Access('org owner', orgIn.param('orgId'))
  @Get()
  @ApiPageResponse(MemberDto)
  @ApiOperation({ summary: "List an org's members", description: 'Owners of the org; cursor-paged.' })
  list(@Param('orgId', ParseUUIDPipe) orgId: string, @Query() query: PageQueryDto): Promise<Page<MemberDto>> {
    return this.members.list(orgId, query);
  }

  @Access('org owner', orgIn.param('orgId'))
  @Idempotent()
  @ApiProblem(409, 'conflict: the user is a member already.')
  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: MemberDto })
  @ApiOperation({
    summary: 'Add a member',
    description: 'Owners of the org add an existing user with a role. 409 if the user is a member already.',
  })
  add(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('orgId', ParseUUIDPipe) orgId: string,
    @Body() body: AddMemberDto,
  ): Promise<MemberDto> {
    return this.members.add(orgId, principal.user.id, body);
  }

  @Access('org owner', orgIn.param('orgId'))
  @ApiProblem(409, 'conflict: the org would be left without an owner.')
  @Patch(':userId')
  @ApiOkResponse({ type: MemberDto })
  @ApiOperation({
    summary: "Change a member's role",
    description: 'Owners of the org. 409 if the org would be left without an owner.',
  })
  changeRole(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('orgId', ParseUUIDPipe) orgId: string,
    @Param('userId', ParseUUIDPipe) userId: string,
    @Body() body: ChangeRoleDto,
  ): Promise<MemberDto> {
    return this.members.changeRole(orgId, principal.user.id, userId, body);
  }

  @Access('org owner', orgIn.param('orgId'))
  @ApiProblem(409, 'conflict: the org would be left without an owner.')
  @Delete(':userId')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiOperation({
    summary: 'Remove a member',
    description: 'Owners of the org. 409 if the org would be left without an owner.',
  })
  remove(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('orgId', ParseUUIDPipe) orgId: string,
    @Param('userId', ParseUUIDPipe) userId: string,
  ): Promise<void> {
    return this.members.remove(orgId, principal.user.id, userId);
  }
}
