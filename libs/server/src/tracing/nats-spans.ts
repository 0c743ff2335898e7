import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';

import { inSpan, tracingEnabled } from './tracing.js';

/** NATS message headers as nats.js has them (`MsgHdrs`): what the propagators read and write. */
interface HeadersOut {
  set(name: string, value: string): void;
}
interface HeadersIn {
  get(name: string): string;
  keys?(): string[];
}

const setter: TextMapSetter<HeadersOut> = { set: (headers, key, value) => headers.set(key, value) };
const getter: TextMapGetter<HeadersIn> = {
  // nats.js answers '' for a missing header.
  get: (headers, key) => headers.get(key) || undefined,
  keys: (headers) => headers.keys?.() ?? [],
};

/**
 * Writes the active span's W3C `traceparent` (and `tracestate`, `baggage`)
 * into a NATS message's headers, so that its handler's span is a child of
 * the sender's (W3C Trace Context; NATS headers as the carrier). Nothing with
 * tracing off.
 */
export function injectTraceContext(headers: HeadersOut): void {
  if (tracingEnabled()) propagation.inject(context.active(), headers, setter);
}

/** The OpenTelemetry semantic conventions' attributes of a NATS operation ("Messaging spans"). */
function messagingAttributes(subject: string, operation: 'send' | 'process'): Record<string, string> {
  return { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.operation.type': operation };
}

/**
 * Runs `send`, a request (CLIENT span, it waits for the reply) or an event
 * (PRODUCER span) on `subject`, in a span named after the subject's template
 * (`send {namespace}switchboard.instance.{instanceId}.workspaces.apply`: low
 * cardinality), so that the headers it injects name this span as the parent.
 */
export function traceNatsSend<T>(
  template: string,
  subject: string,
  kind: 'request' | 'event',
  send: () => Promise<T>,
): Promise<T> {
  if (!tracingEnabled()) return send();
  return inSpan(
    `send ${template}`,
    {
      kind: kind === 'request' ? SpanKind.CLIENT : SpanKind.PRODUCER,
      attributes: messagingAttributes(subject, 'send'),
    },
    send,
  );
}

/**
 * Runs the handling of a received NATS message in a span (SERVER for a
 * request, which has a reply subject; CONSUMER for an event) that continues
 * the trace its headers carry, named after the subscription (`channel`).
 */
export function traceNatsReceive<T>(
  channel: string,
  message: { headers?: HeadersIn; subject?: string; reply?: string },
  handle: () => Promise<T>,
): Promise<T> {
  if (!tracingEnabled()) return handle();
  const parent = message.headers ? propagation.extract(ROOT_CONTEXT, message.headers, getter) : ROOT_CONTEXT;
  return inSpan(
    `process ${channel}`,
    {
      kind: message.reply ? SpanKind.SERVER : SpanKind.CONSUMER,
      attributes: messagingAttributes(message.subject ?? channel, 'process'),
      parent,
    },
    handle,
  );
}
