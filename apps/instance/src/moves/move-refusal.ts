import { DomainException, ErrorCode } from '@switchboard/server';

/** The SQLSTATE the capture trigger raises for a write to a workspace at or past its cutover (migration 1765000000000). */
export const MOVE_REFUSED_SQLSTATE = 'SB001';

/**
 * A write that reached Postgres after the cutover froze its workspace (the
 * gate let it in just before) was refused by the capture trigger and rolled
 * back: `503 workspace_moving` with `Retry-After: 1`, so the client repeats it
 * (and the gate then redirects it), rather than a 500. Declared to
 * ProblemJsonFilter (PlatformModule's `errorTranslations`), so it holds
 * wherever the write was made — a handler, a guard (a tenant created on first
 * sight), a NATS handler — without a global interceptor on every request.
 * @returns the 503, or undefined for any other error.
 */
export function moveRefusal(error: unknown): DomainException | undefined {
  if (!isMoveRefusal(error)) return undefined;
  return new DomainException(
    503,
    ErrorCode.WorkspaceMoving,
    'Workspace moving',
    'The workspace is moving to another instance; nothing was changed. Retry in a moment.',
    { retryAfterSeconds: 1, cause: error },
  );
}

/** Whether an error is (or wraps) the capture trigger's refusal. */
export function isMoveRefusal(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const candidate = current as { code?: unknown; driverError?: unknown; cause?: unknown };
    if (candidate.code === MOVE_REFUSED_SQLSTATE) return true;
    current = candidate.driverError ?? candidate.cause;
  }
  return false;
}
