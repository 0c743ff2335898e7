import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const CORRELATION_HEADER = 'x-correlation-id';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What one HTTP request or NATS message carries through everything it starts. */
interface RequestContext {
  readonly id: string;
  /** Values set during the request (setRequestValue), by key; created on first use. */
  values?: Map<symbol, unknown>;
}

/** The context of the HTTP request or NATS message being handled. */
const context = new AsyncLocalStorage<RequestContext>();

/** Takes the caller's correlation id when it is a safe token, else makes one. */
export function correlationIdFrom(value: unknown): string {
  const candidate: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof candidate === 'string' && SAFE_ID.test(candidate) ? candidate : randomUUID();
}

/**
 * Runs `work` (and everything it starts) as part of the request or message
 * with this id, in a context of its own (see setRequestValue).
 */
export function withCorrelationId<T>(id: string, work: () => T): T {
  return context.run({ id }, work);
}

/** The current request's correlation id, or undefined outside a request. */
export function currentCorrelationId(): string | undefined {
  return context.getStore()?.id;
}

/**
 * Sets `value` under `key` for the rest of the current request or message:
 * whatever runs in its context from now on (its handler, and everything the
 * handler starts) reads it with requestValue. For what is learnt part-way
 * through a request, such as who a verified token acts for, without wrapping
 * the handler in a context of its own (an interceptor, which costs every
 * request an Observable chain).
 * @returns false, and sets nothing, outside a request or message.
 */
export function setRequestValue(key: symbol, value: unknown): boolean {
  const store = context.getStore();
  if (!store) return false;
  (store.values ??= new Map()).set(key, value);
  return true;
}

/** The value setRequestValue set under `key` in the current request, or undefined. */
export function requestValue<T>(key: symbol): T | undefined {
  return context.getStore()?.values?.get(key) as T | undefined;
}
