import { findUnstorable } from '@switchboard/contracts';

import { DomainException, type FieldError } from '../errors/domain.exception.js';

/**
 * How deeply a request body may nest (the body itself, object or array, is
 * level 1). class-transformer copies bodies recursively before any validator
 * runs, so a small body of `[[[[…]]]]` would overflow its stack (a 500); it is
 * refused first, as a 400.
 */
export const MAX_BODY_DEPTH = 64;

/** The headers whose values are stored (the idempotency store keeps `Idempotency-Key`). */
export const STORED_HEADERS = ['idempotency-key'] as const;

interface RequestInput {
  body?: unknown;
  query?: unknown;
  params?: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Refuses, as `400 validation_failed` naming the field, any request whose
 * body, query, path parameters or stored headers hold a string Postgres
 * cannot store, or whose body nests deeper than MAX_BODY_DEPTH (API.md,
 * "Trust boundaries"). Runs once per request for every route, before any DTO.
 *
 * @throws DomainException 400 `validation_failed` with `errors: [{field, message}]`.
 */
export function assertStorableInput(request: RequestInput): void {
  const problem =
    findUnstorable(request.body, '', MAX_BODY_DEPTH) ??
    findUnstorable(request.query, 'query') ??
    findUnstorable(request.params, 'path') ??
    storedHeaderProblem(request.headers);
  if (problem) throw DomainException.validation(`${problem.field}: ${problem.message}`, [problem]);
}

function storedHeaderProblem(headers: RequestInput['headers']): FieldError | undefined {
  for (const name of STORED_HEADERS) {
    const problem = findUnstorable(headers[name], `headers.${name}`);
    if (problem) return problem;
  }
  return undefined;
}
