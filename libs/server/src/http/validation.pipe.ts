import { type ValidationError, ValidationPipe } from '@nestjs/common';

import { DomainException, type FieldError } from '../errors/domain.exception.js';

/** Bodies, queries and params are validated against their DTO; unknown body fields are refused. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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

function flatten(prefix: string, error: ValidationError): FieldError[] {
  const field = prefix ? `${prefix}.${error.property}` : error.property;
  const own = Object.values(error.constraints ?? {}).map((message) => ({
    field,
    message: message.replace(/^property (\S+) should not exist$/, 'is not a known field'),
  }));
  return [...own, ...(error.children ?? []).flatMap((child) => flatten(field, child))];
}
