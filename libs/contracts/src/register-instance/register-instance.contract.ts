import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, IsUrl, Length, Matches, Min } from 'class-validator';

import type { Contract } from '../contract.js';
import { subjectTemplate } from '../subjects.js';
import { SCHEMA_LEVEL } from './schema-level.js';

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
  /**
   * The instance database's schema level (see `SCHEMA_LEVEL`); absent from an instance built before it was
   * reported, which the Hub treats as unknown.
   */
  @IsOptional()
  @Matches(SCHEMA_LEVEL, { message: '$property must be the name of a migration' })
  schemaLevel?: string;
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
