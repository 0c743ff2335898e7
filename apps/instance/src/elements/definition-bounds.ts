import { exceedsDepth } from '@switchboard/server';
import { registerDecorator, type ValidationOptions } from 'class-validator';

import { isJsonObject } from './json-value.js';

/**
 * Bounds on a definition (and on a customisation): every read merges and
 * walks one, per tenant, so their cost must stay small and predictable. The
 * size is that of the JSON text; depth counts nested objects and arrays, the
 * definition itself being depth 1.
 */
export const MAX_DEFINITION_BYTES = 256 * 1024;
export const MAX_DEFINITION_DEPTH = 32;

/** Why `value` cannot be a definition, or null if it can. */
export function definitionProblem(value: unknown): string | null {
  if (!isJsonObject(value)) return 'must be a JSON object';
  if (exceedsDepth(value, MAX_DEFINITION_DEPTH)) return `must be nested at most ${MAX_DEFINITION_DEPTH} levels deep`;
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_DEFINITION_BYTES) {
    return `must be at most ${MAX_DEFINITION_BYTES} bytes of JSON`;
  }
  return null;
}

/** A JSON object within MAX_DEFINITION_BYTES and MAX_DEFINITION_DEPTH. */
export function IsDefinition(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDefinition',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: ({ value }) => `$property ${definitionProblem(value) ?? 'is not a definition'}`,
        ...options,
      },
      validator: { validate: (value: unknown) => definitionProblem(value) === null },
    });
}
