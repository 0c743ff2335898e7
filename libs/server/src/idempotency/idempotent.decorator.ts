import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

import { ApiProblem } from '../openapi/api-problem.js';
import { IdempotencyInterceptor, IDEMPOTENT } from './idempotency.interceptor.js';
import { IDEMPOTENCY_TTL_HOURS } from './idempotency.store.js';

/**
 * A mutating POST that honours `Idempotency-Key`: a repeat with the same key
 * and body returns the first response (with `Idempotent-Replayed: true`).
 * The interceptor is attached to these routes only: an interceptor on every
 * route costs every request Nest's observable chain.
 */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    SetMetadata(IDEMPOTENT, true),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Up to 255 printable characters, unique per request you mean to make once. A repeat with the same key ' +
        `and body within ${IDEMPOTENCY_TTL_HOURS} hours returns the first response; with another body it gets 422.`,
    }),
    ApiProblem(409, 'conflict: a request with this Idempotency-Key is still in progress.'),
    ApiProblem(422, 'idempotency_key_reused: the Idempotency-Key was used with another request.'),
  );
}
