import { type ArgumentMetadata, type ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstanceKeepingKeys } from '@switchboard/contracts';
import { validate, type ValidatorOptions } from 'class-validator';

import { DomainException, type FieldError } from '../errors/domain.exception.js';
import { fastAcceptOf } from './fast-accept.js';
import { exceedsDepth } from './json-depth.js';
import { MAX_BODY_DEPTH } from './storable-input.js';

const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false },
} satisfies ValidatorOptions;

/** Bodies, queries and params are validated against their DTO; unknown body fields are refused. */
export function createValidationPipe(): ValidationPipe {
  return new BoundedValidationPipe({
    ...VALIDATOR_OPTIONS,
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

/**
 * Nest's ValidationPipe, bounded in depth, and with a short way for JSON
 * object bodies: the generic pipe first walks every value three times to guard
 * against binary values, sparse arrays and prototype keys, none of which a
 * JSON body can carry past Fastify's parser (it refuses `__proto__` and
 * `constructor.prototype`). Those walks cost the Hub's access-token route
 * about a sixth of its throughput; the body still goes through
 * class-transformer and class-validator with the same options, unless its DTO
 * declares a `@FastAccept` check that vouches for it.
 */
class BoundedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A custom parameter (the principal) is returned as it is by Nest's pipe too; not another async call per request.
    if (metadata.type === 'custom' && !this.validateCustomDecorators) return value;
    if (metadata.type === 'body' && Array.isArray(value) && exceedsDepth(value, MAX_BODY_DEPTH)) {
      // HTTP bodies are bounded before any pipe (assertStorableInput); this guards other transports.
      const message = `must be nested at most ${MAX_BODY_DEPTH} levels deep`;
      throw DomainException.validation(`(body): ${message}`, [{ field: '(body)', message }]);
    }
    // A path parameter declared as a string: what Nest's pipe returns (transformPrimitive: `String(value)`, the
    // same string), without its long async function, which under load sometimes ran unoptimized (bench/access-token).
    if (metadata.type === 'param' && metadata.metatype === String && typeof value === 'string') return value;
    if (metadata.type !== 'body' || typeof value !== 'object' || value === null || Array.isArray(value)) {
      return super.transform(value, metadata) as Promise<unknown>;
    }
    for (const [field, item] of Object.entries(value)) {
      if (exceedsDepth(item, MAX_BODY_DEPTH - 1)) {
        const message = `must be nested at most ${MAX_BODY_DEPTH} levels deep`;
        throw DomainException.validation(`${field}: ${message}`, [{ field, message }]);
      }
    }
    if (!metadata.metatype || !this.toValidate(metadata)) return value;
    if (Object.hasOwn(value, 'constructor')) {
      // No DTO declares it, and class-validator's whitelist does not see it: refused here as any unknown field is.
      throw DomainException.validation('constructor: is not a known field', [
        { field: 'constructor', message: 'is not a known field' },
      ]);
    }
    const type = metadata.metatype as new () => object;
    // A DTO's declared short way (@FastAccept); anything it does not vouch for is validated below as always.
    if (fastAcceptOf(type)?.(value as Record<string, unknown>)) return Object.assign(new type(), value);
    // JSON keys named `constructor` below the top level would make class-transformer throw (a 500): kept.
    const body: object = plainToInstanceKeepingKeys(type, value);
    const errors = await validate(body, VALIDATOR_OPTIONS);
    if (errors.length > 0) throw this.exceptionFactory(errors);
    return body;
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
