import { plainToInstance } from 'class-transformer';

const CONSTRUCTOR = 'constructor';

/**
 * class-transformer's `plainToInstance(type, plain)` for parsed JSON, keeping
 * keys named `constructor` wherever they are below the top level.
 *
 * class-transformer guesses a nested plain object's class from
 * `value.constructor`; a JSON object with an own `constructor` key (a string,
 * a number, an object) makes it throw a TypeError, which was a 500 for any
 * free-form part of a body or message (element definitions, tenant fields,
 * settings, labels, credentials). JSON allows the key (RFC 8259 §4) and
 * Fastify's parser only refuses `constructor.prototype`, so such keys are
 * renamed to a sentinel of this call (`constructor` + NUL + a random UUID:
 * no stored string holds a NUL, so no input can name it) before, and renamed
 * back, in place and in the same key order, in what class-transformer made.
 * Nothing is copied when no such key is there. A top-level `constructor`
 * field is left to the class (no DTO or contract declares one, so validation
 * refuses it as an unknown field).
 */
export function plainToInstanceKeepingKeys<T extends object>(type: new () => T, plain: object): T {
  const sentinel = `${CONSTRUCTOR}\u0000${crypto.randomUUID()}`;
  let escaped = plain;
  for (const [field, value] of Object.entries(plain)) {
    const renamed = rename(value, CONSTRUCTOR, sentinel);
    if (renamed !== value) {
      if (escaped === plain) escaped = { ...plain };
      (escaped as Record<string, unknown>)[field] = renamed;
    }
  }
  const instance = plainToInstance(type, escaped);
  if (escaped !== plain) for (const value of Object.values(instance)) restore(value, sentinel);
  return instance;
}

/** `value` with every object key `from` renamed `to`, at any depth; the same reference when there is none. */
function rename(value: unknown, from: string, to: string): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      const renamed = rename(item, from, to);
      if (renamed !== item) (copy ??= value.slice())[index] = renamed;
    }
    return copy ?? value;
  }
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  let changed = Object.hasOwn(record, from);
  const entries = Object.keys(record).map((key): [string, unknown] => {
    const item = record[key];
    const renamed = rename(item, from, to);
    if (renamed !== item) changed = true;
    return [key === from ? to : key, renamed];
  });
  return changed ? Object.fromEntries(entries) : value;
}

/** Renames `sentinel` keys back to `constructor` in place, at any depth, keeping the key order. */
function restore(value: unknown, sentinel: string): void {
  if (Array.isArray(value)) {
    for (const item of value) restore(item, sentinel);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (const key of keys) restore(record[key], sentinel);
  if (!keys.includes(sentinel)) return;
  const entries = keys.map((key) => [key, record[key]] as const);
  for (const key of keys) delete record[key];
  for (const [key, item] of entries) {
    Object.defineProperty(record, key === sentinel ? CONSTRUCTOR : key, {
      value: item,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
}
