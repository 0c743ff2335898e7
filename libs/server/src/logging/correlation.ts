import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const CORRELATION_HEADER = 'x-correlation-id';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The correlation id of the HTTP request or NATS message being handled. */
const context = new AsyncLocalStorage<string>();

/** Takes the caller's correlation id when it is a safe token, else makes one. */
export function correlationIdFrom(value: unknown): string {
  const candidate: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof candidate === 'string' && SAFE_ID.test(candidate) ? candidate : randomUUID();
}

/** Runs `work` (and everything it starts) as part of the request or message with this id. */
export function withCorrelationId<T>(id: string, work: () => T): T {
  return context.run(id, work);
}

/** The current request's correlation id, or undefined outside a request. */
export function currentCorrelationId(): string | undefined {
  return context.getStore();
}
