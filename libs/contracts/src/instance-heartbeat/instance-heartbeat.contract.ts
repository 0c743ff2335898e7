import { IsDateString, IsString, IsUrl, Length } from 'class-validator';

import type { Contract } from '../contract.js';
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
}

export const instanceHeartbeatContract: Contract<InstanceHeartbeat, void> = {
  subject: subjectTemplate('hub.instances.{instanceId}.heartbeat'),
  request: InstanceHeartbeat,
  reply: undefined,
  senderInSubject: true,
};
