import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Idempotent, type Page } from '@switchboard/server';

import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import {
  CreateEventSubscriptionDto,
  EventSubscriptionDto,
  EventSubscriptionPageDto,
  EventSubscriptionQueryDto,
} from './event-subscriptions.dto.js';
import { EventSubscriptionsService } from './event-subscriptions.service.js';

/** Ours, and Membrane's name for the same thing. */
export const EVENT_SUBSCRIPTION_PATHS = ['event-subscriptions', 'app-event-subscriptions'];

/**
 * A tenant's own webhooks; an admin manages any tenant's of its workspace.
 * `/app-event-subscriptions` serves the same routes under the name Membrane's
 * SDK uses (`sdk.appEventSubscriptions.find()`).
 */
@ApiTags('event-subscriptions')
@ApiBearerAuth()
@Controller(EVENT_SUBSCRIPTION_PATHS)
export class EventSubscriptionsController {
  constructor(private readonly subscriptions: EventSubscriptionsService) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiCreatedResponse({ type: EventSubscriptionDto })
  @ApiOperation({
    summary: 'Subscribe to events',
    description:
      "A tenant's events of one type are delivered, signed, to the subscription's `webhookUri`. A tenant token subscribes for itself; an admin token names the tenant (`tenantId`).",
  })
  create(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Body() body: CreateEventSubscriptionDto,
  ): Promise<EventSubscriptionDto> {
    return this.subscriptions.create(principal, body);
  }

  @Get()
  @ApiOkResponse({ type: EventSubscriptionPageDto })
  @ApiOperation({
    summary: 'List event subscriptions',
    description: "A tenant token lists its own; an admin token the workspace's. Cursor-paged.",
  })
  list(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Query() query: EventSubscriptionQueryDto,
  ): Promise<Page<EventSubscriptionDto>> {
    return this.subscriptions.list(principal, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: EventSubscriptionDto, description: "404 for another tenant's subscription." })
  @ApiOperation({ summary: 'Get an event subscription', description: "404 for another tenant's subscription." })
  get(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<EventSubscriptionDto> {
    return this.subscriptions.get(principal, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted: pending deliveries to it are dropped.' })
  @ApiOperation({
    summary: 'Delete an event subscription',
    description: "Pending deliveries to it are dropped. 404 for another tenant's subscription.",
  })
  remove(@CurrentPrincipal() principal: WorkspacePrincipal, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.subscriptions.remove(principal, id);
  }
}
