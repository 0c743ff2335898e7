import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { decodeCursor, type Page, pageLimit, type PageQueryDto, toPage } from '@switchboard/server';
import { DataSource } from 'typeorm';

import type { AuthorizedOrg } from '../auth/authorized-org.js';
import type { OrgRole } from '../auth/org-role.js';
import { AuditLogService } from './audit-log.service.js';
import { Org } from './org.entity.js';
import { OrgMember } from './org-member.entity.js';
import type { OrgDto } from './orgs.dto.js';

@Injectable()
export class OrgsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLogService,
  ) {}

  /** The caller becomes the org's owner, in the same transaction. */
  async create(userId: string, name: string): Promise<OrgDto> {
    return this.dataSource.transaction(async (manager) => {
      const org = await manager.save(manager.create(Org, { name }));
      await manager.save(manager.create(OrgMember, { orgId: org.id, userId, role: 'owner' }));
      await this.audit.record(manager, {
        orgId: org.id,
        actorUserId: userId,
        action: 'org.created',
        targetType: 'org',
        targetId: org.id,
        changes: { name },
      });
      return toOrgDto(org, 'owner');
    });
  }

  /**
   * The caller's orgs, with the caller's role in each, a page at a time in the order the caller joined them
   * (API.md, Conventions: `limit` 1-1000, default 100; `cursor` from the previous page, `0` or empty the start).
   * @throws DomainException 400 validation_failed for a cursor this API did not return.
   */
  async list(userId: string, query: PageQueryDto): Promise<Page<OrgDto>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const builder = this.dataSource
      .getRepository(OrgMember)
      .createQueryBuilder('m')
      .innerJoinAndSelect('m.org', 'org')
      .addSelect("to_json(m.created_at) #>> '{}'", 'position')
      .where('m.userId = :userId', { userId })
      .orderBy('m.createdAt', 'ASC')
      .addOrderBy('m.orgId', 'ASC')
      .limit(limit + 1);
    if (after) {
      builder.andWhere('(m.created_at, m.org_id) > (:at::timestamptz, :id::uuid)', { at: after.at, id: after.id });
    }
    const { entities, raw } = await builder.getRawAndEntities<{ position: string; m_org_id: string }>();
    const positions = new Map(raw.map((row) => [row.m_org_id, row.position]));
    return toPage(
      entities,
      limit,
      (membership) => ({ at: positions.get(membership.orgId)!, id: membership.orgId }),
      (membership) => toOrgDto(membership.org!, membership.role),
    );
  }

  /** Renames the org the caller was authorized for (AccessGuard), in one transaction with its audit entry. */
  async rename({ orgId, role }: AuthorizedOrg, userId: string, name: string): Promise<OrgDto> {
    return this.dataSource.transaction(async (manager) => {
      const org = await manager.findOneByOrFail(Org, { id: orgId });
      const before = org.name;
      org.name = name;
      await manager.save(org);
      await this.audit.record(manager, {
        orgId,
        actorUserId: userId,
        action: 'org.renamed',
        targetType: 'org',
        targetId: orgId,
        changes: { name: { from: before, to: name } },
      });
      return toOrgDto(org, role);
    });
  }

  /** The org the caller was authorized for (AccessGuard), with the caller's role in it. */
  async get({ orgId, role }: AuthorizedOrg): Promise<OrgDto> {
    const org = await this.dataSource.getRepository(Org).findOneByOrFail({ id: orgId });
    return toOrgDto(org, role);
  }
}

export function toOrgDto(org: Org, role: OrgRole): OrgDto {
  return {
    id: org.id,
    name: org.name,
    role,
    createdAt: org.createdAt.toISOString(),
    updatedAt: org.updatedAt.toISOString(),
  };
}
