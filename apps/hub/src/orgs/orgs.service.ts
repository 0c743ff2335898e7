import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Columns } from '@switchboard/persistence';
import { decodeCursor, DomainException, type Page, pageLimit, type PageQueryDto, toPage } from '@switchboard/server';
import { DataSource } from 'typeorm';

import type { AuthorizedOrg } from '../auth/authorized-org.js';
import type { OrgRole } from '../auth/org-role.js';
import { AuditLogService } from './audit-log.service.js';
import type { Org } from './org.entity.js';
import type { OrgDto } from './orgs.dto.js';
import { OrgsRepository } from './orgs.repository.js';

@Injectable()
export class OrgsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orgs: OrgsRepository,
    private readonly audit: AuditLogService,
  ) {}

  /** The caller becomes the org's owner, in the same transaction. */
  async create(userId: string, name: string): Promise<OrgDto> {
    return this.dataSource.transaction(async (manager) => {
      const org = await this.orgs.insert(manager, name);
      await this.orgs.insertMember(manager, org.id, userId, 'owner');
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
    const rows = await this.orgs.listForUser(userId, after, limit + 1);
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.position, id: row.id }),
      (row) => toOrgDto(row, row.role),
    );
  }

  /** Renames the org the caller was authorized for (AccessGuard), in one transaction with its audit entry. */
  async rename({ orgId, role }: AuthorizedOrg, userId: string, name: string): Promise<OrgDto> {
    return this.dataSource.transaction(async (manager) => {
      const before = await this.orgs.findById(orgId, manager);
      const org = before && (await this.orgs.rename(manager, orgId, name));
      if (!before || !org) throw DomainException.notFound('The org');
      await this.audit.record(manager, {
        orgId,
        actorUserId: userId,
        action: 'org.renamed',
        targetType: 'org',
        targetId: orgId,
        changes: { name: { from: before.name, to: name } },
      });
      return toOrgDto(org, role);
    });
  }

  /** The org the caller was authorized for (AccessGuard), with the caller's role in it. */
  async get({ orgId, role }: AuthorizedOrg): Promise<OrgDto> {
    const org = await this.orgs.findById(orgId);
    if (!org) throw DomainException.notFound('The org');
    return toOrgDto(org, role);
  }
}

export function toOrgDto(org: Columns<Org>, role: OrgRole): OrgDto {
  return {
    id: org.id,
    name: org.name,
    role,
    createdAt: org.createdAt.toISOString(),
    updatedAt: org.updatedAt.toISOString(),
  };
}
