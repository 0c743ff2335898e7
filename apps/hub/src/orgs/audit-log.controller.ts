import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Page, PageQueryDto } from '@switchboard/server';
import { DataSource } from 'typeorm';

import { Access, orgIn } from '../auth/access.decorator.js';
import { ApiPageResponse } from '../auth/api-page-response.decorator.js';
import { AuditLogEntryDto, AuditLogService } from './audit-log.service.js';

@ApiTags('orgs')
@Controller('orgs/:orgId/audit-log')
export class AuditLogController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLogService,
  ) {}

  /** Who did what to the org and its workspaces, newest first. Owners and admins. */
  @Access('org owner or admin', orgIn.param('orgId'))
  @Get()
  @ApiPageResponse(AuditLogEntryDto, 'Newest first; cursor-paged.')
  @ApiOperation({
    summary: "Read an org's audit log",
    description:
      'Who did what to the org and its workspaces, newest first; owners and admins of the org; cursor-paged.',
  })
  list(@Param('orgId', ParseUUIDPipe) orgId: string, @Query() query: PageQueryDto): Promise<Page<AuditLogEntryDto>> {
    return this.audit.list(this.dataSource.manager, orgId, query);
  }
}
