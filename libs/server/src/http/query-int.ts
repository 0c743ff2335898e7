import { Transform } from 'class-transformer';
import { IsInt, type ValidationOptions } from 'class-validator';

/**
 * A plain decimal integer as a query string writes it: optional `-`, no
 * leading zeros, no sign on zero, at most 15 digits (exact in a double).
 * `1e2`, `0x10`, ` 5`, `5.0`, `+5`, `-0` and longer numbers are not.
 */
const DECIMAL_INTEGER = /^(?:0|-?[1-9][0-9]{0,14})$/;

/**
 * A query parameter that is an integer: the string becomes a number only when
 * it is a plain decimal integer (DECIMAL_INTEGER); anything else stays as
 * given and fails validation with `400 validation_failed` naming the
 * parameter. The one place query numbers are converted (Number() would accept
 * `1e2`, `0x10`, ` 5` and `5.0`).
 */
export function QueryInt(options?: ValidationOptions): PropertyDecorator {
  const transform = Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value,
  );
  const isInt = IsInt({ message: '$property must be a plain decimal integer', ...options });
  return (target, property) => {
    transform(target, property);
    isInt(target, property);
  };
}
