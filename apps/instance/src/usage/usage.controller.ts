import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem, Idempotent } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { RecordUsageDto, UsageDto } from './usage.dto.js';
import { UsageService } from './usage.service.js';

@ApiTags('usage')
@ApiBearerAuth()
@Controller()
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  /** Records AI-credit use; 429 `credit_limit_exceeded` past a limit, 402 `balance_exhausted` past a prepaid balance (nothing recorded either way). */
  @Post('usage')
  @HttpCode(201)
  @Idempotent()
  @ApiCreatedResponse({ type: UsageDto, description: "The tenant's usage after recording." })
  @ApiProblem(402, 'balance_exhausted: the tenant is prepaid and its balance holds fewer credits; nothing recorded.')
  @ApiOperation({
    summary: 'Record AI-credit usage',
    description:
      "Adds to a tenant's AI-credit usage (a tenant token: its own; an admin token names `tenantId`) and returns the tenant's usage after it. 429 `credit_limit_exceeded` (and nothing recorded) past the workspace's limit. A prepaid tenant's balance is debited in the same transaction; 402 `balance_exhausted` (and nothing recorded) when it holds too few credits.",
  })
  record(@CurrentPrincipal() principal: WorkspacePrincipal, @Body() body: RecordUsageDto): Promise<UsageDto> {
    return this.usage.record(principal, body);
  }

  @Get(['tenants/:id/usage', 'customers/:id/usage'])
  @ApiOkResponse({ type: UsageDto })
  @ApiOperation({
    summary: "A customer's (tenant's) usage",
    description:
      "AI credits used in the rolling 30 days, by day, with the tenant's limit. An admin token, or the tenant itself; 404 for any other tenant.",
  })
  get(@CurrentPrincipal() principal: WorkspacePrincipal, @Param('id', ParseUUIDPipe) id: string): Promise<UsageDto> {
    return this.usage.summary(principal, id);
  }
}
