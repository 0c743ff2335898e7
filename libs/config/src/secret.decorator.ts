import 'reflect-metadata';

const SECRET_KEYS = Symbol('switchboard:secret-config-keys');

/** Marks a configuration variable whose value must never be printed. */
export function Secret(): PropertyDecorator {
  return (target, propertyKey) => {
    const keys = (Reflect.getMetadata(SECRET_KEYS, target) as string[] | undefined) ?? [];
    Reflect.defineMetadata(SECRET_KEYS, [...keys, String(propertyKey)], target);
  };
}

export function secretKeysOf(schema: new () => object): string[] {
  return (Reflect.getMetadata(SECRET_KEYS, schema.prototype as object) as string[] | undefined) ?? [];
}
