import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Idempotent } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { RecordUsageDto, UsageDto } from './usage.dto.js';
import { UsageService } from './usage.service.js';

@ApiTags('usage')
@ApiBearerAuth()
@Controller()
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  /** Records AI-credit use; 429 `credit_limit_exceeded` (and nothing recorded) past a limit. */
  @Post('usage')
  @HttpCode(201)
  @Idempotent()
  @ApiCreatedResponse({ type: UsageDto, description: "The tenant's usage after recording." })
  record(@CurrentPrincipal() principal: WorkspacePrincipal, @Body() body: RecordUsageDto): Promise<UsageDto> {
    return this.usage.record(principal, body);
  }

  @Get(['tenants/:id/usage', 'customers/:id/usage'])
  @ApiOkResponse({ type: UsageDto })
  get(@CurrentPrincipal() principal: WorkspacePrincipal, @Param('id', ParseUUIDPipe) id: string): Promise<UsageDto> {
    return this.usage.summary(principal, id);
  }
}
