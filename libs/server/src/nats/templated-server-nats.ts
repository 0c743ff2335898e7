import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

import { type MessageHandler, type NatsOptions, ServerNats } from '@nestjs/microservices';
import {
  ANY_INSTANCE,
  fillSubject,
  instanceInboxPrefix,
  SUBJECT_PREFIX,
  type SubjectVariables,
} from '@switchboard/contracts';

import { CORRELATION_HEADER, correlationIdFrom, withCorrelationId } from '../logging/correlation.js';
import { traceNatsReceive } from '../tracing/nats-spans.js';

/**
 * Use as `@EventPattern(subject, { queue: EVERY_REPLICA })` for a broadcast:
 * each server gets a queue group of its own, so every replica hears every
 * message (the default queue group hands each message to one replica).
 */
export const EVERY_REPLICA = '{every-replica}';

const receiving = new AsyncLocalStorage<SubjectVariables>();

/**
 * Runs `work` as the handling of a message by a server with these subject
 * variables (its namespace, its instance id if any); `TemplatedServerNats`
 * does so for every message it receives.
 */
export function withSubjectVariables<T>(variables: SubjectVariables, work: () => T): T {
  return receiving.run(variables, work);
}

/** The subject variables of the server handling the current message; undefined outside one. */
export function currentSubjectVariables(): SubjectVariables | undefined {
  return receiving.getStore();
}

/**
 * Nest's NATS server, with handler patterns written as subject templates
 * (`@MessagePattern(contract.subject)`) and filled from configuration when the
 * handlers are registered: decorators run before configuration is read. A
 * server with no instance id of its own (the Hub) hears every instance:
 * `{instanceId}` becomes the wildcard `*`, and the handler reads the sender
 * from the message's subject. Each message is handled in the correlation
 * context its headers name (and, with tracing on, in a span continuing the
 * trace of their `traceparent`), and with the server's subject variables at hand
 * (`currentSubjectVariables`, read by `@HandlesContract`).
 */
/**
 * Why a request from an instance must not be answered, or `undefined`. A
 * request on `…hub.instances.<id>.…` comes from instance `<id>` (only its NATS
 * user may publish there), and its reply belongs in that instance's own inbox
 * (`instanceInboxPrefix`). A reply subject elsewhere would have the Hub — whose
 * `allow_responses` lets it publish to any reply subject it is handed —
 * deliver its answer on another service's subject, where the sender itself
 * may not publish (NATS docs, "Authorization": allow_responses).
 */
export function misdirectedReply(namespace: string, subject: string, reply: string | undefined): string | undefined {
  if (reply === undefined || reply === '') return undefined;
  const prefix = `${namespace ? `${namespace}.` : ''}${SUBJECT_PREFIX}.hub.instances.`;
  if (!subject.startsWith(prefix)) return undefined;
  const instanceId = subject.slice(prefix.length).split('.')[0] ?? '';
  const inbox = `${instanceInboxPrefix(instanceId)}.`;
  return reply.startsWith(inbox)
    ? undefined
    : `refused a request on ${subject}: its reply subject ${reply} is not ${instanceId}'s inbox (${inbox}…)`;
}

export class TemplatedServerNats extends ServerNats {
  private readonly replicaQueue = `replica-${randomUUID()}`;

  constructor(
    options: NonNullable<NatsOptions['options']>,
    private readonly variables: SubjectVariables,
  ) {
    super(options);
  }

  override addHandler(
    pattern: unknown,
    callback: MessageHandler,
    isEventHandler = false,
    extras: Record<string, unknown> = {},
  ): void {
    const resolved = extras['queue'] === EVERY_REPLICA ? { ...extras, queue: this.replicaQueue } : extras;
    super.addHandler(pattern, callback, isEventHandler, resolved);
  }

  override handleMessage(
    channel: string,
    message: { headers?: { get(name: string): string }; subject?: string; reply?: string },
  ): Promise<unknown> {
    // `channel` is the subscription's pattern (`…hub.instances.*.…`); the message names its own subject.
    const misdirected = misdirectedReply(this.variables.namespace, message.subject ?? channel, message.reply);
    if (misdirected) {
      this.logger.warn(misdirected);
      return Promise.resolve();
    }
    const id = correlationIdFrom(message.headers?.get(CORRELATION_HEADER));
    return withCorrelationId(id, () =>
      withSubjectVariables(this.variables, () =>
        traceNatsReceive(channel, message, () => super.handleMessage(channel, message) as Promise<unknown>),
      ),
    );
  }

  override normalizePattern(pattern: Parameters<ServerNats['normalizePattern']>[0]): string {
    const variables = { ...this.variables, instanceId: this.variables.instanceId ?? ANY_INSTANCE };
    return super.normalizePattern(typeof pattern === 'string' ? fillSubject(pattern, variables) : pattern);
  }
}
