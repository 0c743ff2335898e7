import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { decodeCursor, DomainException, type Page, pageLimit, type PageQueryDto, toPage } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { AuditLogService } from './audit-log.service.js';
import type { AddMemberDto, ChangeRoleDto, MemberDto } from './members.dto.js';
import { OrgAccessService } from './org-access.service.js';
import { type MemberWithUser, OrgsRepository } from './orgs.repository.js';

/**
 * An org's members and their roles; an org always keeps an owner. Who may
 * call it is the routes' `@Access('org owner', …)`, enforced by AccessGuard
 * before any method here runs: `orgId` is an org the caller owns.
 */
@Injectable()
export class MembersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orgs: OrgsRepository,
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
    const rows = await this.orgs.listMembers(orgId, after, limit + 1);
    return toPage(rows, limit, (row) => ({ at: row.position, id: row.userId }), toMemberDto);
  }

  /**
   * Adds an existing user to the org, audited as `member.added`.
   * @throws DomainException 404 not_found for an unknown user; 409 conflict when they are a member already.
   */
  async add(orgId: string, actorUserId: string, body: AddMemberDto): Promise<MemberDto> {
    const user = await this.orgs.findUser(body.userId);
    if (!user) throw DomainException.notFound('The user');
    if (await this.orgs.isMember(orgId, body.userId)) {
      throw DomainException.conflict('The user is a member already; change the role with PATCH.');
    }
    return this.dataSource.transaction(async (manager) => {
      // A plain INSERT: a lost race fails on the primary key rather than overwriting the winner's row.
      const member = await this.orgs.insertMember(manager, orgId, body.userId, body.role);
      await this.audit.record(manager, {
        orgId,
        actorUserId,
        action: 'member.added',
        targetType: 'member',
        targetId: body.userId,
        changes: { role: body.role },
      });
      return toMemberDto({ ...member, ...user });
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
      await this.orgs.setRole(manager, orgId, userId, body.role);
      this.access.membershipsChanged();
      await this.audit.record(manager, {
        orgId,
        actorUserId,
        action: 'member.role_changed',
        targetType: 'member',
        targetId: userId,
        changes: { role: { from: before, to: body.role } },
      });
      return toMemberDto({ ...member, role: body.role });
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
      await this.orgs.deleteMember(manager, orgId, userId);
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

  private async lockedMember(manager: EntityManager, orgId: string, userId: string): Promise<MemberWithUser> {
    // Lock every membership row of the org: two owners demoting each other at once must not both succeed.
    const members = await this.orgs.lockMembers(manager, orgId);
    const member = members.find((candidate) => candidate.userId === userId);
    if (!member) throw DomainException.notFound('The member');
    return member;
  }

  private async keepAnOwner(manager: EntityManager, orgId: string): Promise<void> {
    if ((await this.orgs.countOwners(manager, orgId)) <= 1) {
      throw DomainException.conflict('An org always keeps one owner: make another member owner first.');
    }
  }
}

function toMemberDto(member: MemberWithUser): MemberDto {
  return {
    userId: member.userId,
    email: member.email,
    name: member.name,
    role: member.role,
    createdAt: member.createdAt.toISOString(),
  };
}
