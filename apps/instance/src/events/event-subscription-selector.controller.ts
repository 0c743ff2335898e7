import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblem, Idempotent } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import {
  CreateEventSubscriptionDto,
  EventSubscriptionDto,
  EventSubscriptionSelectorQueryDto,
} from './event-subscriptions.dto.js';
import { EventSubscriptionsService } from './event-subscriptions.service.js';

/**
 * One event subscription as Membrane's SDK addresses it: the singular path
 * with a selector query (`sdk.appEventSubscription(id).get()` reads
 * `GET /app-event-subscription?id=…`). The same rules as /event-subscriptions.
 */
@ApiTags('event-subscriptions')
@ApiBearerAuth()
@ApiProblem(404, "not_found: no subscription has this `?id=`, or it is another tenant's.")
@Controller('app-event-subscription')
export class EventSubscriptionSelectorController {
  constructor(private readonly subscriptions: EventSubscriptionsService) {}

  @Get()
  @ApiOperation({
    summary: 'One subscription by `?id=`',
    description: "The same as GET /event-subscriptions/{id}: 404 for another tenant's.",
  })
  @ApiOkResponse({ type: EventSubscriptionDto })
  get(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Query() query: EventSubscriptionSelectorQueryDto,
  ): Promise<EventSubscriptionDto> {
    return this.subscriptions.get(principal, query.id);
  }

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'Subscribe (the SDK’s `create()`)', description: 'The same as POST /event-subscriptions.' })
  @ApiCreatedResponse({ type: EventSubscriptionDto })
  create(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Body() body: CreateEventSubscriptionDto,
  ): Promise<EventSubscriptionDto> {
    return this.subscriptions.create(principal, body);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete by `?id=` (the SDK’s `archive()` and `delete()`)',
    description: 'The same as DELETE /event-subscriptions/{id}.',
  })
  @ApiNoContentResponse({ description: 'Deleted: pending deliveries to it are dropped.' })
  remove(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Query() query: EventSubscriptionSelectorQueryDto,
  ): Promise<void> {
    return this.subscriptions.remove(principal, query.id);
  }
}
