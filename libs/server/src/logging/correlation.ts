import { randomUUID } from 'node:crypto';

import { ClsServiceManager } from 'nestjs-cls';

export const CORRELATION_HEADER = 'x-correlation-id';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes the caller's correlation id when it is a safe token, else makes one. */
export function correlationIdFrom(value: unknown): string {
  const candidate: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof candidate === 'string' && SAFE_ID.test(candidate) ? candidate : randomUUID();
}

/** The current request's correlation id, or undefined outside a request. */
export function currentCorrelationId(): string | undefined {
  const cls = ClsServiceManager.getClsService();
  return cls.isActive() ? cls.getId() : undefined;
}
