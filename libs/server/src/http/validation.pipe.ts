import { type ArgumentMetadata, type ValidationError, ValidationPipe } from '@nestjs/common';

import { DomainException, type FieldError } from '../errors/domain.exception.js';
import { exceedsDepth } from './json-depth.js';

/**
 * How deeply a request body may nest. class-transformer copies bodies
 * recursively before any validator runs, so a small body of `[[[[…]]]]`
 * would overflow its stack (a 500); it is refused first, as a 400.
 */
export const MAX_BODY_DEPTH = 64;

/** Bodies, queries and params are validated against their DTO; unknown body fields are refused. */
export function createValidationPipe(): ValidationPipe {
  return new BoundedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fieldErrors = errors.flatMap((error) => flatten('', error));
      return DomainException.validation(
        fieldErrors.map((e) => `${e.field}: ${e.message}`).join('; ') || 'The request is not valid.',
        fieldErrors,
      );
    },
  });
}

class BoundedValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && typeof value === 'object' && value !== null) {
      for (const [field, item] of Object.entries(value)) {
        if (exceedsDepth(item, MAX_BODY_DEPTH - 1)) {
          const message = `must be nested at most ${MAX_BODY_DEPTH} levels deep`;
          throw DomainException.validation(`${field}: ${message}`, [{ field, message }]);
        }
      }
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

function flatten(prefix: string, error: ValidationError): FieldError[] {
  const field = prefix ? `${prefix}.${error.property}` : error.property;
  const own = Object.values(error.constraints ?? {}).map((message) => ({
    field,
    message: message.replace(/^property (\S+) should not exist$/, 'is not a known field'),
  }));
  return [...own, ...(error.children ?? []).flatMap((child) => flatten(field, child))];
}
