import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { decodeCursor, DomainException, type Page, pageLimit, type PageQueryDto, toPage } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { User } from '../auth/user.entity.js';
import { AuditLogService } from './audit-log.service.js';
import type { AddMemberDto, ChangeRoleDto, MemberDto } from './members.dto.js';
import { OrgAccessService } from './org-access.service.js';
import { OrgMember } from './org-member.entity.js';

/**
 * An org's members and their roles; an org always keeps an owner. Who may
 * call it is the routes' `@Access('org owner', …)`, enforced by AccessGuard
 * before any method here runs: `orgId` is an org the caller owns.
 */
@Injectable()
export class MembersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: OrgAccessService,
    private readonly audit: AuditLogService,
  ) {}

  /**
   * The org's members in the order they joined, a page at a time (API.md,
   * Conventions: `limit` 1-1000, default 100; `cursor` from the previous page).
   * @throws DomainException 400 validation_failed for a cursor this API did not return.
   */
  async list(orgId: string, query: PageQueryDto): Promise<Page<MemberDto>> {
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

  /**
   * Adds an existing user to the org, audited as `member.added`.
   * @throws DomainException 404 not_found for an unknown user; 409 conflict when they are a member already.
   */
  async add(orgId: string, actorUserId: string, body: AddMemberDto): Promise<MemberDto> {
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
        actorUserId,
        action: 'member.added',
        targetType: 'member',
        targetId: body.userId,
        changes: { role: body.role },
      });
      return toMemberDto({ ...member, user });
    });
  }

  /**
   * Changes a member's role, audited as `member.role_changed`.
   * @throws DomainException 404 not_found for a user who is not a member; 409 conflict when the last owner
   *   would stop being one.
   */
  async changeRole(orgId: string, actorUserId: string, userId: string, body: ChangeRoleDto): Promise<MemberDto> {
    return this.dataSource.transaction(async (manager) => {
      const member = await this.lockedMember(manager, orgId, userId);
      if (member.role === 'owner' && body.role !== 'owner') await this.keepAnOwner(manager, orgId);
      const before = member.role;
      member.role = body.role;
      await manager.save(member);
      this.access.membershipsChanged();
      await this.audit.record(manager, {
        orgId,
        actorUserId,
        action: 'member.role_changed',
        targetType: 'member',
        targetId: userId,
        changes: { role: { from: before, to: body.role } },
      });
      return toMemberDto(member);
    });
  }

  /**
   * Removes a member, audited as `member.removed`.
   * @throws DomainException 404 not_found for a user who is not a member; 409 conflict for the last owner.
   */
  async remove(orgId: string, actorUserId: string, userId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const member = await this.lockedMember(manager, orgId, userId);
      if (member.role === 'owner') await this.keepAnOwner(manager, orgId);
      await manager.delete(OrgMember, { orgId, userId });
      this.access.membershipsChanged();
      await this.audit.record(manager, {
        orgId,
        actorUserId,
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
