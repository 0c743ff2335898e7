import { ValidateBy, ValidateIf } from 'class-validator';

/**
 * A body or query field that may be left out but is never `null`: absent,
 * it is not validated; `null` is refused (`must not be null`, a 400), since
 * the column behind it is NOT NULL. Use it instead of class-validator's
 * `@IsOptional()`, which lets `null` through to the database as well. With
 * `@Nullable()` beside it, `null` is allowed too.
 */
export function Optional(): PropertyDecorator {
  const whenGiven = ValidateIf((_object: object, value: unknown) => value !== undefined);
  const notNull = ValidateBy({
    name: 'isNotNull',
    validator: {
      validate: (value: unknown) => value !== null,
      defaultMessage: () => '$property must not be null',
    },
  });
  return (target, property) => {
    whenGiven(target, property);
    notNull(target, property);
  };
}

/**
 * A field whose `null` is a value of its own (API.md: `webhookUri: null`
 * removes it, `aiCreditsRolling30DayLimit: null` is unlimited): `null` skips
 * every other validator. Its OpenAPI property says `nullable: true` (a unit
 * test holds the two together). Without `@Optional()` the field is required,
 * though it may be null.
 */
export function Nullable(): PropertyDecorator {
  const unlessNull = ValidateIf((_object: object, value: unknown) => value !== null);
  return (target, property) => {
    unlessNull(target, property);
    const fields = nullableFields.get(target) ?? new Set<string | symbol>();
    fields.add(property);
    nullableFields.set(target, fields);
  };
}

/** Per class prototype, the fields marked `@Nullable()`. */
const nullableFields = new WeakMap<object, Set<string | symbol>>();

/** Whether `property` of the class `type` (or a class it extends) is marked `@Nullable()`. */
export function isNullableField(type: abstract new (...args: never[]) => unknown, property: string): boolean {
  for (let proto: unknown = type.prototype; proto; proto = Object.getPrototypeOf(proto)) {
    if (nullableFields.get(proto)?.has(property)) return true;
  }
  return false;
}
