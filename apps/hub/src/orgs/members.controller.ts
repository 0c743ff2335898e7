import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  ApiProblem,
  decodeCursor,
  DomainException,
  Idempotent,
  type Page,
  pageLimit,
  PageQueryDto,
  toPage,
} from '@switchboard/server';
import { IsIn, IsUUID } from 'class-validator';
import { DataSource, type EntityManager } from 'typeorm';

import { AuditLogService } from '../audit-log/audit-log.service.js';
import { Access } from '../auth/access.decorator.js';
import { ApiPageResponse } from '../auth/api-page-response.decorator.js';
import { CurrentPrincipal } from '../auth/current-user.decorator.js';
import type { PlatformPrincipal } from '../auth/platform-principal.js';
import { User } from '../users/user.entity.js';
import { OrgAccessService } from './org-access.service.js';
import { OrgMember } from './org-member.entity.js';
import { ORG_ROLES, type OrgRole } from './org-role.js';

export class AddMemberDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() userId!: string;
  @ApiProperty({ enum: ORG_ROLES }) @IsIn(ORG_ROLES) role!: OrgRole;
}

export class ChangeRoleDto {
  @ApiProperty({ enum: ORG_ROLES }) @IsIn(ORG_ROLES) role!: OrgRole;
}

export class MemberDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ORG_ROLES }) role!: OrgRole;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

const OWNERS: readonly OrgRole[] = ['owner'];

/** An org's members and their roles. Only owners change them, and an org always keeps an owner. */
@ApiTags('orgs')
@Controller('orgs/:orgId/members')
export class MembersController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: OrgAccessService,
    private readonly audit: AuditLogService,
  ) {}

  @Access('org owner')
  @Get()
  @ApiPageResponse(MemberDto)
  async list(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('orgId', ParseUUIDPipe) orgId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<MemberDto>> {
    await this.access.requireRole(orgId, principal.user.id, OWNERS);
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const builder = this.dataSource
      .getRepository(OrgMember)
      .createQueryBuilder('m')
      .innerJoinAndSelect('m.user', 'user')
      .addSelect("to_json(m.created_at) #>> '{}'", 'position')
      .where('m.orgId = :orgId', { orgId })
      .orderBy('m.createdAt', 'ASC')
      .addOrderBy('m.userId', 'ASC')
      .limit(limit + 1);
    if (after) {
      builder.andWhere('(m.created_at, m.user_id) > (:at::timestamptz, :id::uuid)', { at: after.at, id: after.id });
    }
    const { entities, raw } = await builder.getRawAndEntities<{ position: string; m_user_id: string }>();
    const positions = new Map(raw.map((row) => [row.m_user_id, row.position]));
    return toPage(entities, limit, (member) => ({ at: positions.get(member.userId)!, id: member.userId }), toMemberDto);
  }

  @Access('org owner')
  @Idempotent()
  @ApiProblem(409, 'conflict: the user is a member already.')
  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: MemberDto })
  async add(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('orgId', ParseUUIDPipe) orgId: string,
    @Body() body: AddMemberDto,
  ): Promise<MemberDto> {
    await this.access.requireRole(orgId, principal.user.id, OWNERS);
    const user = await this.dataSource.getRepository(User).findOneBy({ id: body.userId });
    if (!user) throw DomainException.notFound('The user');
    if (await this.dataSource.getRepository(OrgMember).existsBy({ orgId, userId: body.userId })) {
      throw DomainException.conflict('The user is a member already; change the role with PATCH.');
    }
    return this.dataSource.transaction(async (manager) => {
      // insert, not save: save would turn a lost race into a silent UPDATE of the winner's row.
      const member = manager.create(OrgMember, { orgId, userId: body.userId, role: body.role });
      await manager.insert(OrgMember, member);
      await this.audit.record(manager, {
        orgId,
        actorUserId: principal.user.id,
        action: 'member.added',
        targetType: 'member',
        targetId: body.userId,
        changes: { role: body.role },
      });
      return toMemberDto({ ...member, user });
    });
  }

  @Access('org owner')
  @ApiProblem(409, 'conflict: the org would be left without an owner.')
  @Patch(':userId')
  @ApiOkResponse({ type: MemberDto })
  async changeRole(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('orgId', ParseUUIDPipe) orgId: string,
    @Param('userId', ParseUUIDPipe) userId: string,
    @Body() body: ChangeRoleDto,
  ): Promise<MemberDto> {
    await this.access.requireRole(orgId, principal.user.id, OWNERS);
    return this.dataSource.transaction(async (manager) => {
      const member = await this.lockedMember(manager, orgId, userId);
      if (member.role === 'owner' && body.role !== 'owner') await this.keepAnOwner(manager, orgId);
      const before = member.role;
      member.role = body.role;
      await manager.save(member);
      this.access.membershipsChanged();
      await this.audit.record(manager, {
        orgId,
        actorUserId: principal.user.id,
        action: 'member.role_changed',
        targetType: 'member',
        targetId: userId,
        changes: { role: { from: before, to: body.role } },
      });
      return toMemberDto(member);
    });
  }

  @Access('org owner')
  @ApiProblem(409, 'conflict: the org would be left without an owner.')
  @Delete(':userId')
  @HttpCode(204)
  @ApiNoContentResponse()
  async remove(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('orgId', ParseUUIDPipe) orgId: string,
    @Param('userId', ParseUUIDPipe) userId: string,
  ): Promise<void> {
    await this.access.requireRole(orgId, principal.user.id, OWNERS);
    await this.dataSource.transaction(async (manager) => {
      const member = await this.lockedMember(manager, orgId, userId);
      if (member.role === 'owner') await this.keepAnOwner(manager, orgId);
      await manager.delete(OrgMember, { orgId, userId });
      this.access.membershipsChanged();
      await this.audit.record(manager, {
        orgId,
        actorUserId: principal.user.id,
        action: 'member.removed',
        targetType: 'member',
        targetId: userId,
        changes: { role: member.role },
      });
    });
  }

  private async lockedMember(manager: EntityManager, orgId: string, userId: string): Promise<OrgMember> {
    // Lock every membership row of the org: two owners demoting each other at once must not both succeed.
    const members = await manager.find(OrgMember, { where: { orgId }, lock: { mode: 'pessimistic_write' } });
    const member = members.find((candidate) => candidate.userId === userId);
    if (!member) throw DomainException.notFound('The member');
    member.user = (await manager.findOneBy(User, { id: userId })) ?? undefined;
    return member;
  }

  private async keepAnOwner(manager: EntityManager, orgId: string): Promise<void> {
    if ((await manager.countBy(OrgMember, { orgId, role: 'owner' })) <= 1) {
      throw DomainException.conflict('An org always keeps one owner: make another member owner first.');
    }
  }
}

function toMemberDto(member: OrgMember): MemberDto {
  return {
    userId: member.userId,
    email: member.user!.email,
    name: member.user!.name,
    role: member.role,
    createdAt: member.createdAt.toISOString(),
  };
}
