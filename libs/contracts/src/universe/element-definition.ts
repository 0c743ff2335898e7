import { registerDecorator, type ValidationOptions } from 'class-validator';

/** A value as JSON can carry it: what an element definition is made of. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Whether `value` is a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Bounds on an element definition (and on a customisation), the same on the
 * Hub (universe elements) and on instances (templates, customisations): every
 * read merges and walks one, per tenant, so their cost must stay small and
 * predictable. The size is that of the JSON text in bytes (UTF-8); depth
 * counts nested objects and arrays, the definition itself being depth 1.
 */
export const MAX_DEFINITION_BYTES = 256 * 1024;
export const MAX_DEFINITION_DEPTH = 32;

/** Whether objects and arrays in `value` nest more than `max` levels deep. */
function nestsDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (max === 0) return true;
  return Object.values(value).some((item) => nestsDeeperThan(item, max - 1));
}

/** Why `value` cannot be a definition (a sentence to follow the field name), or null if it can. */
export function definitionProblem(value: unknown): string | null {
  if (!isJsonObject(value)) return 'must be a JSON object';
  if (nestsDeeperThan(value, MAX_DEFINITION_DEPTH)) {
    return `must be nested at most ${MAX_DEFINITION_DEPTH} levels deep`;
  }
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_DEFINITION_BYTES) {
    return `must be at most ${MAX_DEFINITION_BYTES} bytes of JSON`;
  }
  return null;
}

/** class-validator: a JSON object within MAX_DEFINITION_BYTES and MAX_DEFINITION_DEPTH (see `definitionProblem`). */
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
