import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Optional } from '@switchboard/server';
import { Transform } from 'class-transformer';
import { IsBoolean } from 'class-validator';

import { ELEMENT_TYPE_NAMES, type ElementType } from '../elements/element-type.js';
import type { JsonObject } from '../elements/json-value.js';
import { MAX_WEBHOOK_URI_LENGTH } from '../events/event-subscriptions.dto.js';
import { INTEGRATION_AUTH_TYPES, type IntegrationAuthType } from '../integrations/integrations.dto.js';
import { EVENT_TYPES, type EventType } from '../journal/event-outbox.js';
import { TRANSFER_FORMAT, TRANSFER_LIMITS, TRANSFER_READABLE_VERSIONS, TRANSFER_VERSION } from './transfer-document.js';

// The document's classes below describe it in the OpenAPI document; an import validates it against
// TRANSFER_SCHEMA (Ajv) instead of class-validator, so that a problem names its JSON Pointer, however deep.

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class TransferSettingsDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The JSON Schema tenant `fields` must satisfy (PUT /workspace/tenant-field-schema), or null.',
  })
  tenantFieldSchema!: Record<string, unknown> | null;
}

export class TransferIntegrationDto {
  @ApiProperty({ maxLength: 100 }) key!: string;
  @ApiProperty({ maxLength: 200 }) name!: string;
  @ApiProperty({ enum: INTEGRATION_AUTH_TYPES }) authType!: IntegrationAuthType;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Not a secret (RFC 6749 §2.2). The client secret is never exported.',
  })
  clientId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings!: Record<string, unknown>;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The connector it builds on: a connector of the document, of the target workspace or of its universe (else 400).',
  })
  connectorKey!: string | null;
  @ApiProperty() archived!: boolean;
}

export class TransferRevisionDto {
  @ApiProperty({ minimum: 1 }) revision!: number;
  @ApiProperty({ maxLength: 200 }) name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) definition!: JsonObject;
}

export class TransferOwnElementDto {
  @ApiProperty({ enum: ELEMENT_TYPE_NAMES }) type!: ElementType;
  @ApiProperty() key!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The universe element of the same type it is laid over. Universe elements are not exported; the target ' +
      "instance's universe must hold one by this key (else 400).",
  })
  parentKey!: string | null;
  @ApiProperty() archived!: boolean;
  @ApiProperty({
    type: [TransferRevisionDto],
    description: 'Every revision, oldest first (ascending numbers); the last is the current one.',
  })
  revisions!: TransferRevisionDto[];
}

export class TransferElementDto extends TransferOwnElementDto {
  @ApiProperty({
    minimum: 1,
    description: 'The revision tenants see (one of `revisions`); later ones are drafts.',
  })
  publishedRevision!: number;
}

export class TransferCustomizationDto {
  @ApiProperty({ enum: ELEMENT_TYPE_NAMES }) type!: ElementType;
  @ApiProperty({
    description: 'The key it overlays for the tenant: its own element, a template or a universe element.',
  })
  key!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) definition!: JsonObject;
}

export class TransferDeploymentDto {
  @ApiProperty({ enum: ELEMENT_TYPE_NAMES }) type!: ElementType;
  @ApiProperty({ description: 'The key of a workspace template of the document.' }) key!: string;
  @ApiProperty({ minimum: 1, description: 'The revision of it the tenant sees instead of the published one.' })
  revision!: number;
}

export class TransferSubscriptionDto {
  @ApiProperty({ enum: EVENT_TYPES }) eventType!: EventType;
  @ApiProperty({
    format: 'uri',
    maxLength: MAX_WEBHOOK_URI_LENGTH,
    description: 'http(s) to a public address, as POST /event-subscriptions takes it (else 400 naming its path).',
  })
  webhookUri!: string;
}

export class TransferTenantDto {
  @ApiProperty({ maxLength: 200 }) internalId!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: 200,
    description:
      'Version 2 (required there, absent in version 1): the internalId of its parent, a tenant of the same document ' +
      'with no parent of its own (linked tenants, one level); null: not linked. An unknown parent or a cycle is a 400.',
  })
  parentInternalId!: string | null;
  @ApiProperty({ maxLength: 200 }) name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) fields!: Record<string, unknown>;
  @ApiProperty() isTest!: boolean;
  @ApiProperty({ type: Number, nullable: true, minimum: 0 }) aiCreditsRolling30DayLimit!: number | null;
  @ApiProperty() archived!: boolean;
  @ApiProperty({ type: [TransferCustomizationDto] }) customizations!: TransferCustomizationDto[];
  @ApiProperty({ type: [TransferOwnElementDto], description: "The tenant's own elements (level tenant)." })
  elements!: TransferOwnElementDto[];
  @ApiProperty({ type: [TransferDeploymentDto], description: 'Canary pins.' })
  deployments!: TransferDeploymentDto[];
  @ApiProperty({
    type: [TransferSubscriptionDto],
    maxItems: TRANSFER_LIMITS.subscriptionsPerTenant,
    description:
      'Version 2 (required there, absent in version 1): its live event subscriptions, by eventType then webhookUri. ' +
      'An import creates those the tenant lacks (by content, as many as listed) and deletes none.',
  })
  subscriptions!: TransferSubscriptionDto[];
}

export class TransferDocumentDto {
  @ApiProperty({ enum: [TRANSFER_FORMAT] }) format!: string;
  @ApiProperty({
    enum: TRANSFER_READABLE_VERSIONS,
    description: `An export writes ${TRANSFER_VERSION}; an import reads ${TRANSFER_READABLE_VERSIONS.join(' and ')}, another is refused (400).`,
  })
  version!: number;
  @ApiProperty({ type: TransferSettingsDto }) settings!: TransferSettingsDto;
  @ApiProperty({ type: [TransferIntegrationDto], maxItems: TRANSFER_LIMITS.integrations, description: 'By key.' })
  integrations!: TransferIntegrationDto[];
  @ApiProperty({
    type: [TransferElementDto],
    maxItems: TRANSFER_LIMITS.elements,
    description: 'Workspace templates, by type, then key; never universe elements.',
  })
  elements!: TransferElementDto[];
  @ApiPropertyOptional({
    type: [TransferTenantDto],
    maxItems: TRANSFER_LIMITS.tenants,
    description: 'Only with includeTenants=true; by internalId. An import without it leaves tenants alone.',
  })
  tenants?: TransferTenantDto[];
}

export class ExportQueryDto {
  @ApiPropertyOptional({
    description:
      'Tenants too, with their parent, customisations, own elements, canary pins and event subscriptions ' +
      '(never credentials).',
  })
  @Optional()
  @Transform(toBoolean)
  @IsBoolean()
  includeTenants?: boolean;
}

export class ImportQueryDto {
  @ApiPropertyOptional({ description: 'Only report what the import would change; nothing is written. Default false.' })
  @Optional()
  @Transform(toBoolean)
  @IsBoolean()
  dryRun?: boolean;
}

const ACTIONS = ['created', 'updated', 'unchanged'] as const;
export type TransferAction = (typeof ACTIONS)[number];

export class SettingChangeDto {
  @ApiProperty({ enum: ['tenantFieldSchema'] }) key!: 'tenantFieldSchema';
  @ApiProperty({ enum: ACTIONS }) action!: TransferAction;
}

export class IntegrationChangeDto {
  @ApiProperty() key!: string;
  @ApiProperty({ enum: ACTIONS }) action!: TransferAction;
}

export class ElementChangeDto {
  @ApiProperty({ enum: ELEMENT_TYPE_NAMES }) type!: ElementType;
  @ApiProperty() key!: string;
  @ApiProperty({ enum: ACTIONS, description: '`updated`: a new revision, or archived/restored.' })
  action!: TransferAction;
}

export class TenantChangeDto {
  @ApiProperty() internalId!: string;
  @ApiProperty({ enum: ACTIONS }) action!: TransferAction;
}

export class CustomizationChangeDto {
  @ApiProperty() internalId!: string;
  @ApiProperty({ enum: ELEMENT_TYPE_NAMES }) type!: ElementType;
  @ApiProperty() key!: string;
  @ApiProperty({ enum: ACTIONS }) action!: TransferAction;
}

export class SubscriptionChangeDto {
  @ApiProperty() internalId!: string;
  @ApiProperty({ enum: EVENT_TYPES }) eventType!: EventType;
  @ApiProperty({ format: 'uri' }) webhookUri!: string;
  @ApiProperty({ enum: ['created', 'unchanged'] }) action!: Exclude<TransferAction, 'updated'>;
}

export class TransferChangesDto {
  @ApiProperty({ type: [SettingChangeDto] }) settings!: SettingChangeDto[];
  @ApiProperty({ type: [IntegrationChangeDto] }) integrations!: IntegrationChangeDto[];
  @ApiProperty({ type: [ElementChangeDto] }) elements!: ElementChangeDto[];
  @ApiProperty({
    type: [TenantChangeDto],
    description: 'Empty when the document has no tenants. `updated` includes a changed parent.',
  })
  tenants!: TenantChangeDto[];
  @ApiProperty({ type: [CustomizationChangeDto] }) customizations!: CustomizationChangeDto[];
  @ApiProperty({ type: [CustomizationChangeDto], description: "Tenants' own elements." })
  tenantElements!: CustomizationChangeDto[];
  @ApiProperty({ type: [CustomizationChangeDto], description: 'Canary pins.' })
  deployments!: CustomizationChangeDto[];
  @ApiProperty({ type: [SubscriptionChangeDto], description: 'Event subscriptions (none from a version-1 document).' })
  subscriptions!: SubscriptionChangeDto[];
}

export class ImportResultDto {
  @ApiProperty({ description: 'True: nothing was written.' }) dryRun!: boolean;
  @ApiProperty({ type: TransferChangesDto, description: 'One entry per item of the document, in its order.' })
  changes!: TransferChangesDto;
}
