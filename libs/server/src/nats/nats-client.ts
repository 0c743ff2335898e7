import { randomUUID } from 'node:crypto';

import { errors, headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClientNats, NatsRecordBuilder } from '@nestjs/microservices';
import {
  type Contract,
  ContractViolation,
  type ErrorReply,
  fillSubject,
  parseMessage,
  type SubjectVariables,
} from '@switchboard/contracts';
import { firstValueFrom } from 'rxjs';

import { CORRELATION_HEADER, currentCorrelationId } from '../logging/correlation.js';
import { injectTraceContext, traceNatsSend } from '../tracing/nats-spans.js';
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

/**
 * Why a request over NATS failed on the way rather than being answered: each
 * is a `code` of `NatsRequestFailed`, with the HTTP status it stands for.
 */
export enum NatsFailureCode {
  /** No reply within the timeout: the responder is slow, stuck or gone (504). */
  Timeout = 'nats_timeout',
  /** No service subscribes to the subject (NATS "no responders", a 503 status message; 503). */
  NoResponders = 'nats_no_responders',
  /** This service's NATS user may not publish on the subject (a NATS `Permissions Violation`; 403). */
  PermissionDenied = 'nats_permission_denied',
  /** The connection is closed, draining or lost (503). */
  Unavailable = 'nats_unavailable',
  /** The reply is not what the contract says it is, or not a reply at all (502). */
  InvalidReply = 'nats_invalid_reply',
}

const STATUS_OF_FAILURE: Record<NatsFailureCode, number> = {
  [NatsFailureCode.Timeout]: 504,
  [NatsFailureCode.NoResponders]: 503,
  [NatsFailureCode.PermissionDenied]: 403,
  [NatsFailureCode.Unavailable]: 503,
  [NatsFailureCode.InvalidReply]: 502,
};

/**
 * A request over NATS that did not succeed, typed by `code` (a
 * `NatsFailureCode`, or for a `NatsErrorReply` the responder's own code) and
 * the HTTP `status` it stands for, so callers branch on them and never on a
 * message string.
 */
export class NatsRequestFailed extends Error {
  override name = 'NatsRequestFailed';
  constructor(
    readonly subject: string,
    readonly code: string,
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** A failure on the way (timeout, no responders, permission, connection, invalid reply). */
  static of(subject: string, code: NatsFailureCode, detail: string, cause?: unknown): NatsRequestFailed {
    return new NatsRequestFailed(
      subject,
      code,
      STATUS_OF_FAILURE[code],
      `request on ${subject} failed (${code}): ${detail}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/**
 * The responder answered with an error reply (`ErrorReply` in
 * `@switchboard/contracts`): it received the request and refused it, so
 * `code` says why (e.g. `snapshot_signature_invalid`, `validation_failed`,
 * `forbidden`) and `status` is the status of its problem (500 when it sent none).
 */
export class NatsErrorReply extends NatsRequestFailed {
  override name = 'NatsErrorReply';
  constructor(
    subject: string,
    code: string,
    readonly reason: string,
    status = 500,
  ) {
    super(subject, code, status, `request on ${subject} was refused (${code}): ${reason}`);
  }
}

/**
 * Sends typed contract messages over Nest's NATS transport. Every request has
 * a timeout, carries the caller's correlation id (and, with tracing on, runs in
 * a span whose W3C `traceparent` it carries in its headers), and has its reply validated
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

  /**
   * Sends `payload` on the contract's subject and resolves to the reply,
   * validated against the contract's reply class. Uses nats.js `request()`
   * directly (with the Nest wire format `{pattern, data, id}` the handlers
   * read), so that NATS itself tells a missing responder and a permission
   * violation apart from a timeout.
   *
   * @param instanceId fills `{instanceId}` in the subject
   * @param timeoutMs how long to wait for the reply (default: `defaultTimeoutMs`)
   * @throws NatsErrorReply when the responder refused the request (its `code` and `status`)
   * @throws NatsRequestFailed with a `NatsFailureCode`: `nats_timeout`, `nats_no_responders`,
   *   `nats_permission_denied`, `nats_unavailable`, `nats_invalid_reply` (the reply breaks the contract)
   */
  async request<Req extends object, Rep extends object>(
    contract: Contract<Req, Rep>,
    payload: Req,
    { instanceId, timeoutMs = this.options.defaultTimeoutMs }: { instanceId?: string; timeoutMs?: number } = {},
  ): Promise<Rep> {
    const subject = this.subject(contract, instanceId);
    return traceNatsSend(contract.subject, subject, 'request', () => this.send(contract, subject, payload, timeoutMs));
  }

  private async send<Req extends object, Rep extends object>(
    contract: Contract<Req, Rep>,
    subject: string,
    payload: Req,
    timeoutMs: number,
  ): Promise<Rep> {
    const connection = await this.connection(subject);
    const packet = JSON.stringify({ pattern: subject, data: payload, id: randomUUID() });
    let message: Msg;
    try {
      message = await connection.request(subject, packet, { timeout: timeoutMs, headers: this.headers() });
    } catch (error) {
      throw requestFailure(subject, error, timeoutMs);
    }
    const answer = decodeAnswer(subject, message);
    if (answer.err !== undefined && answer.err !== null) {
      const refusal = asErrorReply(answer.err);
      if (refusal) throw new NatsErrorReply(subject, refusal.code, refusal.message, refusal.status);
      throw NatsRequestFailed.of(
        subject,
        NatsFailureCode.InvalidReply,
        `the responder failed: ${describeError(answer.err)}`,
      );
    }
    try {
      return parseMessage(subject, contract.reply as new () => Rep, answer.response);
    } catch (error) {
      if (!(error instanceof ContractViolation)) throw error;
      throw NatsRequestFailed.of(subject, NatsFailureCode.InvalidReply, error.problems.join('; '), error);
    }
  }

  async emit<Req extends object>(contract: Contract<Req, void>, payload: Req, instanceId?: string): Promise<void> {
    const subject = this.subject(contract, instanceId);
    await traceNatsSend(contract.subject, subject, 'event', () =>
      firstValueFrom(this.proxy.emit(subject, this.record(payload)), { defaultValue: undefined }),
    );
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
    return new NatsRecordBuilder(payload).setHeaders(this.headers()).build();
  }

  private headers(): MsgHdrs {
    const headers = natsHeaders();
    const correlationId = currentCorrelationId();
    if (correlationId) headers.set(CORRELATION_HEADER, correlationId);
    injectTraceContext(headers);
    return headers;
  }

  /** The live connection, connecting first if needed. */
  private async connection(subject: string): Promise<NatsConnection> {
    try {
      await this.proxy.connect();
      return this.proxy.unwrap<NatsConnection>();
    } catch (error) {
      throw NatsRequestFailed.of(subject, NatsFailureCode.Unavailable, describeError(error), error);
    }
  }
}

/** What Nest's NATS server sends back: `{ id, response }` or `{ id, err }` (ServerNats, `getPublisher`). */
interface NestAnswer {
  response?: unknown;
  err?: unknown;
}

/** @throws NatsRequestFailed `nats_invalid_reply` when the reply is not JSON of that shape. */
function decodeAnswer(subject: string, message: Msg): NestAnswer {
  let answer: unknown;
  try {
    answer = message.json();
  } catch (error) {
    throw NatsRequestFailed.of(subject, NatsFailureCode.InvalidReply, 'the reply is not JSON', error);
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw NatsRequestFailed.of(subject, NatsFailureCode.InvalidReply, 'the reply is not a JSON object');
  }
  return answer;
}

/**
 * Classifies what nats.js `request()` rejected with by the error's type
 * (nats.js 3 wraps the cause in a `RequestError`), never by its message.
 */
function requestFailure(subject: string, error: unknown, timeoutMs: number): NatsRequestFailed {
  const cause = error instanceof errors.RequestError && error.cause !== undefined ? error.cause : error;
  if (cause instanceof errors.TimeoutError) {
    return NatsRequestFailed.of(subject, NatsFailureCode.Timeout, `no reply within ${timeoutMs} ms`, error);
  }
  if (cause instanceof errors.NoRespondersError || (error instanceof errors.RequestError && error.isNoResponders())) {
    return NatsRequestFailed.of(subject, NatsFailureCode.NoResponders, 'no service listens on it', error);
  }
  if (cause instanceof errors.PermissionViolationError) {
    return NatsRequestFailed.of(subject, NatsFailureCode.PermissionDenied, cause.message, error);
  }
  return NatsRequestFailed.of(subject, NatsFailureCode.Unavailable, describeError(error), error);
}

/** An error the responder sent (a problem: code, message and status), rather than a transport failure. */
function asErrorReply(error: unknown): (ErrorReply & { status: number }) | undefined {
  if (typeof error !== 'object' || error === null || error instanceof Error) return undefined;
  const { code, message, status } = error as Partial<Record<keyof ErrorReply | 'status', unknown>>;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return { code, message, status: typeof status === 'number' && status >= 400 && status < 600 ? status : 500 };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) return JSON.stringify(error);
  return String(error);
}
