import { IsDateString, IsOptional, IsString, IsUrl, Length, Matches } from 'class-validator';

import type { Contract } from '../contract.js';
import { SCHEMA_LEVEL } from '../register-instance/schema-level.js';
import { subjectTemplate } from '../subjects.js';

/**
 * Sent by every instance replica on an interval; the Hub derives `up`/`down` from it. Fire and forget.
 * Sent on `…hub.instances.{instanceId}.…`: the subject names the sender, which
 * only that instance's NATS user may publish on, and the Hub refuses a payload
 * whose `instanceId` differs from it.
 */
export class InstanceHeartbeat {
  @IsString() @Length(1, 100) instanceId!: string;
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) apiUrl!: string;
  @IsDateString() sentAt!: string;
  /**
   * The instance database's schema level as read for this heartbeat (see `SCHEMA_LEVEL`); absent when it
   * could not be read just now (the Hub keeps the last one) or from an instance built before it was reported.
   */
  @IsOptional()
  @Matches(SCHEMA_LEVEL, { message: '$property must be the name of a migration' })
  schemaLevel?: string;
}

export const instanceHeartbeatContract: Contract<InstanceHeartbeat, void> = {
  subject: subjectTemplate('hub.instances.{instanceId}.heartbeat'),
  request: InstanceHeartbeat,
  reply: undefined,
  senderInSubject: true,
};
