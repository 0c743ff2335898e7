import 'reflect-metadata';

import { validateSync, type ValidationError } from 'class-validator';

import { plainToInstanceKeepingKeys } from './plain-to-instance.js';
import { findUnstorable } from './storable/storable-value.js';

/**
 * Ties a NATS subject (a template, see `fillSubject`) to the request it
 * carries and the reply it expects (`undefined` for a fire-and-forget event).
 * A handler is declared with its contract (`@HandlesContract` in
 * `@switchboard/server`), which checks the three together.
 */
export interface Contract<Request extends object, Reply extends object | void> {
  readonly subject: string;
  readonly request: new () => Request;
  readonly reply: Reply extends object ? new () => Reply : undefined;
  /**
   * `true` when the subject's `{instanceId}` names the instance that sent the
   * message: only that instance's NATS user may publish on it
   * (deploy/nats/nats-server.conf), so the receiver refuses a request whose
   * `instanceId` names another. Only a request with an `instanceId` may say so.
   */
  readonly senderInSubject?: Request extends { instanceId: string } ? true : never;
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
  constructor(
    readonly subject: string,
    readonly problems: string[],
  ) {
    super(`message on ${subject} is not valid: ${problems.join('; ')}`);
  }
}

/** How deeply a NATS message may nest: a snapshot's settings are the deepest part (the HTTP edge allows 64). */
export const MAX_MESSAGE_DEPTH = 72;

/**
 * Validates a received message against its class; unknown fields are refused,
 * and so is a string Postgres cannot store or a non-finite number anywhere in
 * it (see `findUnstorable`), so a handler never hands one to the database.
 * @throws ContractViolation naming each problem.
 */
export function parseMessage<T extends object>(subject: string, type: new () => T, payload: unknown): T {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new ContractViolation(subject, ['the message must be a JSON object']);
  }
  // What no handler could store (and no contract nests deeper than this) is refused before any class sees it.
  const unstorable = findUnstorable(payload, '', MAX_MESSAGE_DEPTH);
  if (unstorable) throw new ContractViolation(subject, [`${unstorable.field}: ${unstorable.message}`]);
  // No contract declares it, and class-validator's whitelist does not see it: refused as any unknown field is.
  if (Object.hasOwn(payload, 'constructor'))
    throw new ContractViolation(subject, ['constructor: is not a known field']);
  const message = plainToInstanceKeepingKeys(type, payload);
  const errors = validateSync(message, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new ContractViolation(
      subject,
      errors.flatMap((error) => flatten(error.property, error)),
    );
  }
  return message;
}

function flatten(path: string, error: ValidationError): string[] {
  const own = Object.values(error.constraints ?? {}).map((text) => `${path}: ${text}`);
  const nested = (error.children ?? []).flatMap((child) => flatten(`${path}.${child.property}`, child));
  return [...own, ...nested];
}
