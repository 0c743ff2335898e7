import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsHttpUrl, Optional, PageQueryDto } from '@switchboard/server';
import { IsIn, IsString, IsUUID, MaxLength } from 'class-validator';

import { EVENT_TYPES, type EventType } from '../journal/event-outbox.js';

/** Every subscription gets each matching event delivered: uncapped, one tenant could multiply the deliveries without end. */
export const MAX_SUBSCRIPTIONS_PER_TENANT = 100;
/** The longest `webhookUri`, in characters. */
export const MAX_WEBHOOK_URI_LENGTH = 2000;

export class EventSubscriptionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty({ enum: EVENT_TYPES }) eventType!: EventType;
  @ApiProperty({ format: 'uri' }) webhookUri!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class EventSubscriptionPageDto {
  @ApiProperty({ type: [EventSubscriptionDto] }) items!: EventSubscriptionDto[];
  @ApiProperty({ type: String, nullable: true }) cursor!: string | null;
}

export class CreateEventSubscriptionDto {
  @ApiProperty({ enum: EVENT_TYPES }) @IsIn(EVENT_TYPES) eventType!: EventType;
  @ApiProperty({
    format: 'uri',
    maxLength: MAX_WEBHOOK_URI_LENGTH,
    description:
      'http(s) to a public address (else 400 outbound_url_refused; OUTBOUND_ALLOWED_CIDRS allows ranges); receives POST {eventType, data, id, createdAt}, signed as Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) and in X-Signature.',
  })
  @IsString()
  @MaxLength(MAX_WEBHOOK_URI_LENGTH)
  @IsHttpUrl()
  webhookUri!: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Admin only, and then required: the tenant subscribed.' })
  @Optional()
  @IsUUID()
  tenantId?: string;
}

export class EventSubscriptionQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Admin only: one tenant.' })
  @Optional()
  @IsUUID()
  tenantId?: string;
}

/** Membrane's SDK names one subscription with a selector object as the query: `GET /app-event-subscription?id=…`. */
export class EventSubscriptionSelectorQueryDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() id!: string;
}
