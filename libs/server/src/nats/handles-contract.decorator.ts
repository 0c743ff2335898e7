import { Logger } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, type NatsContext, Payload } from '@nestjs/microservices';
import { type Contract, ContractViolation, parseMessage } from '@switchboard/contracts';

import { DomainException, type FieldError } from '../errors/domain.exception.js';
import { ErrorCode } from '../errors/error-code.js';
import { currentSubjectVariables, EVERY_REPLICA } from './templated-server-nats.js';
import { verifiedSender } from './verified-sender.js';

/**
 * What a handler of `Contract<Req, Rep>` must be: it takes the validated
 * request (and the NATS context, for its subject and headers) and resolves to
 * the reply; a handler of an event (`Rep` is `void`) may also return at once.
 */
export type ContractHandler<Req extends object, Rep extends object | void> = (
  request: Req,
  context: NatsContext,
) => Rep extends object ? Promise<Rep> : Promise<void> | void;

export interface HandlesContractOptions {
  /**
   * For an event: every replica of this service hears it (its own queue
   * group, see `EVERY_REPLICA`), rather than one of them.
   */
  everyReplica?: boolean;
}

/**
 * Declares a method the handler of `contract`: registers its subject (a
 * request/reply pattern when the contract has a reply, else an event), and
 * wraps the method so that it receives only a request that is valid against
 * the contract's request class (unknown fields refused, `parseMessage`) and
 * from the sender its subject names (`senderInSubject`, `verifiedSender`), and so that its
 * reply is checked against the reply class before it leaves. TypeScript checks
 * the method's parameter and return types against the contract.
 *
 * A refused request is answered with the typed error reply (`ErrorReply`: the
 * problem with `code`, `status` and `message`, ProblemJsonFilter):
 * - `400 validation_failed` naming each invalid field;
 * - `403 forbidden` when the request's `instanceId` is not the instance the
 *   subject names (an instance's NATS user may publish only on subjects that
 *   carry its own id, deploy/nats/nats-server.conf, so the subject proves who
 *   sent it; README, "NATS: who may say what");
 * - `500 internal_error` (logged with its `errorId`) when the handler's reply
 *   breaks the contract.
 * An event has no reply: a refused one is logged as a warning and dropped.
 *
 * @example
 *   @HandlesContract(registerInstanceContract)
 *   async register(request: RegisterInstanceRequest, context: NatsContext): Promise<RegisterInstanceReply> {…}
 */
export function HandlesContract<Req extends object, Rep extends object | void>(
  contract: Contract<Req, Rep>,
  options: HandlesContractOptions = {},
) {
  return <Method extends ContractHandler<Req, Rep>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<Method>,
  ): void => {
    const handler = descriptor.value;
    if (handler === undefined) throw new Error(`@HandlesContract(${contract.subject}) must decorate a method`);
    const logger = new Logger(target.constructor.name);
    const isEvent = contract.reply === undefined;
    const name = String(key);

    const handle = async function (this: unknown, payload: unknown, context: NatsContext): Promise<unknown> {
      let request: Req;
      try {
        request = acceptedRequest(contract, payload, context);
      } catch (error) {
        if (!(error instanceof DomainException)) throw error;
        logger.warn(`${isEvent ? 'event dropped' : 'request refused'} on ${context.getSubject()}: ${error.detail}`);
        if (isEvent) return undefined;
        throw error;
      }
      const reply: unknown = await handler.call(this, request, context);
      if (contract.reply !== undefined) checkReply(contract, name, reply);
      return reply;
    };

    Object.defineProperty(handle, 'name', { value: name });
    descriptor.value = handle as Method;
    // Nest passes (payload, context). The request is validated here, against the contract: typed as
    // plain objects, the parameters are left alone by the global ValidationPipe (it skips `Object`).
    Payload()(target, key, 0);
    Ctx()(target, key, 1);
    Reflect.defineMetadata('design:paramtypes', [Object, Object], target, key);
    if (isEvent) {
      const extras = options.everyReplica ? { queue: EVERY_REPLICA } : undefined;
      EventPattern<string>(contract.subject, extras)(target, key, descriptor);
    } else {
      if (options.everyReplica) throw new Error(`${contract.subject} has a reply: only events go to every replica`);
      MessagePattern<string>(contract.subject)(target, key, descriptor);
    }
  };
}

/**
 * The request, valid against the contract and from the sender its subject names.
 * @throws DomainException 400 validation_failed, 403 forbidden
 */
function acceptedRequest<Req extends object>(
  contract: Contract<Req, object | void>,
  payload: unknown,
  context: NatsContext,
): Req {
  const subject = context.getSubject();
  let request: Req;
  try {
    request = parseMessage(subject, contract.request, payload);
  } catch (error) {
    if (!(error instanceof ContractViolation)) throw error;
    throw DomainException.validation(error.problems.join('; '), error.problems.map(fieldError));
  }
  if (contract.senderInSubject) {
    const namespace = currentSubjectVariables()?.namespace;
    if (namespace === undefined) throw new Error(`${subject} was handled outside TemplatedServerNats`);
    verifiedSender(contract, namespace, context, (request as Req & { instanceId: string }).instanceId);
  }
  return request;
}

/** @throws DomainException 500 internal_error when the handler's reply breaks its contract (a bug here, not the caller's). */
function checkReply(contract: Contract<object, object | void>, handler: string, reply: unknown): void {
  try {
    parseMessage(contract.subject, contract.reply as new () => object, reply);
  } catch (error) {
    if (!(error instanceof ContractViolation)) throw error;
    throw new DomainException(
      500,
      ErrorCode.InternalError,
      'Internal Server Error',
      `The reply of ${handler} breaks its contract: ${error.problems.join('; ')}`,
      { cause: error },
    );
  }
}

/** `snapshot.version: must be an integer` → field `snapshot.version`. */
function fieldError(problem: string): FieldError {
  const colon = problem.indexOf(': ');
  return colon < 0
    ? { field: '(message)', message: problem }
    : { field: problem.slice(0, colon), message: problem.slice(colon + 2) };
}
