import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem, Idempotent } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { BalanceDto, TopUpBalanceDto, TopUpDto } from './balance.dto.js';
import { BalanceService } from './balance.service.js';

/** A tenant's prepaid balance (API.md, "Prepaid balance"); debits happen in `POST /usage`. */
@ApiTags('usage')
@ApiBearerAuth()
@Controller()
export class BalanceController {
  constructor(private readonly balances: BalanceService) {}

  @Get('tenants/:id/balance')
  @ApiOkResponse({ type: BalanceDto })
  @ApiOperation({
    summary: "A tenant's prepaid balance",
    description:
      "Credits left on the tenant's prepaid balance (`null`: not prepaid, no hard spend cap). An admin token, or the tenant itself; 404 for any other tenant.",
  })
  get(@CurrentPrincipal() principal: WorkspacePrincipal, @Param('id', ParseUUIDPipe) id: string): Promise<BalanceDto> {
    return this.balances.get(principal, id);
  }

  @Post('tenants/:id/balance/top-ups')
  @Idempotent()
  @HttpCode(201)
  @ApiCreatedResponse({ type: TopUpDto, description: 'The top-up, first applied or replayed.' })
  @ApiProblem(409, 'conflict: the reference was used for a top-up of other credits.')
  @ApiOperation({
    summary: "Top up a tenant's prepaid balance",
    description:
      "Adds credits to the tenant's balance; the first top-up makes the tenant prepaid, so `POST /usage` debits it from then on and refuses with 402 `balance_exhausted` when it holds too few. Idempotent by `reference`: the same reference again adds nothing and answers as the first did. Admin tokens only.",
  })
  topUp(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: TopUpBalanceDto,
  ): Promise<TopUpDto> {
    return this.balances.topUp(principal, id, body);
  }
}
