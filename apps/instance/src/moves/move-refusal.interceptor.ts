import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { DomainException, ErrorCode } from '@switchboard/server';
import { catchError, type Observable, throwError } from 'rxjs';

/** The SQLSTATE the capture trigger raises for a write to a workspace at or past its cutover (migration 1765000000000). */
export const MOVE_REFUSED_SQLSTATE = 'SB001';

/**
 * A write that reached Postgres after the cutover froze its workspace (the
 * gate let it in just before) was refused by the capture trigger and rolled
 * back: `503 workspace_moving` with `Retry-After: 1`, so the client repeats it
 * (and the gate then redirects it), rather than a 500.
 */
@Injectable()
export class MoveRefusalInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(
        catchError((error: unknown) =>
          throwError(() =>
            isMoveRefusal(error)
              ? new DomainException(
                  503,
                  ErrorCode.WorkspaceMoving,
                  'Workspace moving',
                  'The workspace is moving to another instance; nothing was changed. Retry in a moment.',
                  { retryAfterSeconds: 1, cause: error },
                )
              : error,
          ),
        ),
      );
  }
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
