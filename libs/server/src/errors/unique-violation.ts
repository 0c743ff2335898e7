import { DomainException } from './domain.exception.js';
import { ErrorCode } from './error-code.js';

/**
 * SQLSTATE `unique_violation` (PostgreSQL manual, Appendix A, "PostgreSQL
 * Error Codes"): class 23, integrity constraint violation.
 */
export const UNIQUE_VIOLATION = '23505';

/** What a client is told when a write lost a race at one unique constraint. */
export interface UniqueConstraintAnswer {
  /** The request field that collided, as the API names it (`email`, `internalId`). */
  field: string;
  /** A sentence for `detail`, without the value (it may be secret). */
  detail: string;
}

const answers = new Map<string, UniqueConstraintAnswer>();

/**
 * Names the field behind each unique constraint (by its name in the
 * migrations), so that a unique violation anywhere answers `409 conflict`
 * naming it. Each app declares its own schema's constraints once, at import.
 * A constraint left undeclared still answers 409, without a field.
 */
export function declareUniqueConstraints(byConstraintName: Record<string, UniqueConstraintAnswer>): void {
  for (const [name, answer] of Object.entries(byConstraintName)) answers.set(name, answer);
}

/**
 * The 409 for a Postgres unique violation, or undefined for any other error.
 * Recognised by SQLSTATE on pg's `DatabaseError` or on TypeORM's
 * `QueryFailedError` (which copies the driver error's fields and keeps it as
 * `driverError`), never by message text; the constraint is `constraint` there.
 */
export function uniqueViolation(error: unknown): DomainException | undefined {
  const pgError = sqlError(error);
  if (pgError?.code !== UNIQUE_VIOLATION) return undefined;
  const answer = typeof pgError.constraint === 'string' ? answers.get(pgError.constraint) : undefined;
  if (!answer) {
    return DomainException.conflict('The request conflicts with an existing record (a duplicate key).');
  }
  return new DomainException(409, ErrorCode.Conflict, 'Conflict', answer.detail, {
    errors: [{ field: answer.field, message: 'is already taken' }],
  });
}

interface SqlError {
  code?: unknown;
  constraint?: unknown;
}

function sqlError(error: unknown): SqlError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const driverError = (error as { driverError?: unknown }).driverError;
  if (typeof driverError === 'object' && driverError !== null) return driverError;
  return error;
}
