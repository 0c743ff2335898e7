import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Optional, type Page, PageQueryDto } from '@switchboard/server';
import { IsUUID } from 'class-validator';

import { TenantScope } from '../database/tenant-scope.js';
import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import { namedTenant } from '../workspaces/require-admin.js';
import { scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { type ActivityLogDto, ActivityLogsService } from './activity-logs.service.js';

export class ActivityLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Admin only: one tenant.' })
  @Optional()
  @IsUUID()
  tenantId?: string;
}

@ApiTags('activity-logs')
@ApiBearerAuth()
@Controller('activity-logs')
export class ActivityLogsController {
  constructor(
    private readonly scope: TenantScope,
    private readonly activity: ActivityLogsService,
  ) {}

  /** A tenant reads its own entries; an admin all of the workspace, or one tenant's with `tenantId`. */
  @Get()
  @ApiOkResponse({ description: 'Newest first.' })
  @ApiOperation({
    summary: 'List activity log entries',
    description:
      "Newest first. A tenant token reads its own entries; an admin token all of the workspace's, or one tenant's with `tenantId`. Cursor-paged.",
  })
  list(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Query() query: ActivityLogQueryDto,
  ): Promise<Page<ActivityLogDto>> {
    const tenantId = namedTenant(principal, query.tenantId);
    return this.scope.run(scopeOf(principal), (manager) => this.activity.list(manager, query, tenantId));
  }
}
