import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Page, PageQueryDto } from '@switchboard/server';
import { DataSource } from 'typeorm';

import { Access } from '../auth/access.decorator.js';
import { ApiPageResponse } from '../auth/api-page-response.decorator.js';
import { CurrentPrincipal } from '../auth/current-user.decorator.js';
import type { PlatformPrincipal } from '../auth/platform-principal.js';
import { OrgAccessService } from '../orgs/org-access.service.js';
import { ORG_MANAGERS } from '../orgs/org-role.js';
import { AuditLogEntryDto, AuditLogService } from './audit-log.service.js';

@ApiTags('orgs')
@Controller('orgs/:orgId/audit-log')
export class AuditLogController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: OrgAccessService,
    private readonly audit: AuditLogService,
  ) {}

  /** Who did what to the org and its workspaces, newest first. Owners and admins. */
  @Access('org owner or admin')
  @Get()
  @ApiPageResponse(AuditLogEntryDto, 'Newest first; cursor-paged.')
  async list(
    @CurrentPrincipal() principal: PlatformPrincipal,
    @Param('orgId', ParseUUIDPipe) orgId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<AuditLogEntryDto>> {
    await this.access.requireRole(orgId, principal.user.id, ORG_MANAGERS);
    return this.audit.list(this.dataSource.manager, orgId, query);
  }
}
