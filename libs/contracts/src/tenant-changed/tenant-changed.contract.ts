import { IsString, IsUUID, Length } from 'class-validator';

import type { Contract } from '../contract.js';
import { subjectTemplate } from '../subjects.js';

/**
 * Broadcast to every replica of one instance when a tenant is archived,
 * restored or renamed by key, so that caches of what tokens resolve to are
 * dropped at once rather than when they expire. Fire and forget.
 */
export class TenantChanged {
  @IsUUID() workspaceId!: string;
  @IsString() @Length(1, 200) internalId!: string;
}

export const tenantChangedContract: Contract<TenantChanged, void> = {
  subject: subjectTemplate('instance.{instanceId}.tenants.changed'),
  request: TenantChanged,
  reply: undefined,
};
