import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClientNats, NatsRecordBuilder } from '@nestjs/microservices';
import {
  type Contract,
  type ErrorReply,
  fillSubject,
  parseMessage,
  type SubjectVariables,
} from '@switchboard/contracts';
import { firstValueFrom, timeout } from 'rxjs';

import { CORRELATION_HEADER, currentCorrelationId } from '../logging/correlation.js';
import { natsConnectionOptions, type NatsCredentials } from './nats-connection-options.js';

export interface NatsClientOptions {
  url: string;
  name: string;
  /** Applied to every request that does not name its own. */
  defaultTimeoutMs: number;
  namespace: string;
  /** This service's NATS credentials; none connects anonymously. */
  credentials?: NatsCredentials;
  /** Prefix of the inboxes replies come back on (see `HUB_INBOX_PREFIX`, `instanceInboxPrefix`). */
  inboxPrefix?: string;
}

export class NatsRequestFailed extends Error {
  override name = 'NatsRequestFailed';
}

/**
 * The responder answered with an error reply (`ErrorReply` in
 * `@switchboard/contracts`): it received the request and refused it, so
 * `code` says why (e.g. `snapshot_signature_invalid`).
 */
export class NatsErrorReply extends NatsRequestFailed {
  override name = 'NatsErrorReply';
  constructor(
    subject: string,
    readonly code: string,
    readonly reason: string,
  ) {
    super(`request on ${subject} was refused (${code}): ${reason}`);
  }
}

/**
 * Sends typed contract messages over Nest's NATS transport. Every request has
 * a timeout, carries the caller's correlation id, and has its reply validated
 * against the contract before anyone sees it. Reconnects are automatic.
 */
export class NatsClient implements OnApplicationShutdown {
  private readonly logger = new Logger(NatsClient.name);
  private readonly proxy: ClientNats;

  constructor(private readonly options: NatsClientOptions) {
    this.proxy = new ClientNats({
      ...natsConnectionOptions(options.url, options.credentials, options.inboxPrefix),
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
    });
  }

  async connect(): Promise<void> {
    await this.proxy.connect();
  }

  async request<Req extends object, Rep extends object>(
    contract: Contract<Req, Rep>,
    payload: Req,
    { instanceId, timeoutMs = this.options.defaultTimeoutMs }: { instanceId?: string; timeoutMs?: number } = {},
  ): Promise<Rep> {
    const subject = this.subject(contract, instanceId);
    const reply: unknown = await firstValueFrom(
      this.proxy.send(subject, this.record(payload)).pipe(timeout({ first: timeoutMs })),
    ).catch((error: unknown) => {
      const refusal = asErrorReply(error);
      if (refusal) throw new NatsErrorReply(subject, refusal.code, refusal.message);
      throw new NatsRequestFailed(`request on ${subject} failed: ${describeError(error)}`);
    });
    return parseMessage(subject, contract.reply as new () => Rep, reply);
  }

  async emit<Req extends object>(contract: Contract<Req, void>, payload: Req, instanceId?: string): Promise<void> {
    const subject = this.subject(contract, instanceId);
    await firstValueFrom(this.proxy.emit(subject, this.record(payload)), { defaultValue: undefined });
  }

  subject(contract: Contract<object, object | void>, instanceId?: string): string {
    const variables: SubjectVariables = { namespace: this.options.namespace, instanceId };
    return fillSubject(contract.subject, variables);
  }

  /** Round trip to the server: resolves when NATS answered within the timeout. */
  async ping(timeoutMs = 1000): Promise<number> {
    const connection = this.proxy.unwrap<NatsConnection>();
    const started = performance.now();
    await Promise.race([
      connection.flush(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('NATS did not answer in time')), timeoutMs)),
    ]);
    return performance.now() - started;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close().catch((error: unknown) => this.logger.warn(`closing NATS: ${describeError(error)}`));
  }

  private record(payload: object) {
    const headers = natsHeaders();
    const correlationId = currentCorrelationId();
    if (correlationId) headers.set(CORRELATION_HEADER, correlationId);
    return new NatsRecordBuilder(payload).setHeaders(headers).build();
  }
}

/** An error the responder sent (rather than a timeout or a transport failure), with the fields every service sends. */
function asErrorReply(error: unknown): ErrorReply | undefined {
  if (typeof error !== 'object' || error === null || error instanceof Error) return undefined;
  const { code, message } = error as Partial<Record<keyof ErrorReply, unknown>>;
  return typeof code === 'string' && typeof message === 'string' ? { code, message } : undefined;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) return JSON.stringify(error);
  return String(error);
}
