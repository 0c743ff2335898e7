import type { NatsContext } from '@nestjs/microservices';
import { type Contract, instanceIdOfSubject } from '@switchboard/contracts';

import { DomainException } from '../errors/domain.exception.js';

/**
 * The instance a message comes from, proven by its subject: an instance's
 * NATS user may publish only on subjects that carry its own id
 * (deploy/nats/nats-server.conf), so the id in the subject is who sent it,
 * whatever the payload says. A payload that names another instance is refused.
 * `@HandlesContract` calls it for every contract with `senderInSubject`.
 *
 * @param contract the contract whose subject template has an `{instanceId}` token
 * @param namespace the receiving service's NATS_NAMESPACE
 * @param context the NATS context of the received message (its subject)
 * @param claimed the `instanceId` the payload names
 * @returns the sender's instance id (equal to `claimed`)
 * @throws DomainException 403 `forbidden` when the payload names another instance than the subject
 */
export function verifiedSender(
  contract: Contract<object, object | void>,
  namespace: string,
  context: NatsContext,
  claimed: string,
): string {
  const subject = context.getSubject();
  const sender = instanceIdOfSubject(contract.subject, namespace, subject);
  if (sender === undefined || sender !== claimed) {
    throw DomainException.forbidden(
      `A message on ${subject} may speak only for the instance its subject names, not for ${JSON.stringify(claimed)}.`,
    );
  }
  return sender;
}
