import { ArrayMaxSize, IsArray, IsInt, IsString, IsUrl, Length, Matches, Min } from 'class-validator';

import type { Contract } from '../contract.js';
import { subjectTemplate } from '../subjects.js';

/**
 * An instance announces itself to the Hub when it starts.
 * Sent on `…hub.instances.{instanceId}.…`: the subject names the sender, which
 * only that instance's NATS user may publish on, and the Hub refuses a payload
 * whose `instanceId` differs from it.
 */
export class RegisterInstanceRequest {
  @IsString() @Length(1, 100) instanceId!: string;
  @IsString() @Length(1, 200) name!: string;
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) apiUrl!: string;
  /** The versions of the instance's `ENCRYPTION_KEYS` (never the keys), so the Hub can show a keyring mismatch. */
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { each: true, message: 'each of $property must be a keyring version' })
  keyIds!: string[];
}

export class RegisterInstanceReply {
  @IsInt() @Min(100) heartbeatIntervalMs!: number;
}

export const registerInstanceContract: Contract<RegisterInstanceRequest, RegisterInstanceReply> = {
  subject: subjectTemplate('hub.instances.{instanceId}.register'),
  request: RegisterInstanceRequest,
  reply: RegisterInstanceReply,
  senderInSubject: true,
};
