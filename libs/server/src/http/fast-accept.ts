/**
 * A check that proves a JSON object body valid for its DTO without
 * class-transformer and class-validator. It may only say `true` for bodies
 * the DTO's decorators accept, and whose fields class-transformer would copy
 * as they are (strings, numbers, booleans); for anything else it says
 * `false`, and the body takes the full path, which then accepts or refuses it
 * with its usual messages. A refusal therefore never depends on it.
 */
export type FastAcceptCheck = (body: Readonly<Record<string, unknown>>) => boolean;

const checks = new WeakMap<object, FastAcceptCheck>();

/**
 * Class decorator: the validation pipe asks `check` first and, when it says
 * `true`, builds the DTO instance by copying the body's fields. For small,
 * hot DTOs only (the Hub's access-token request); a unit test should hold
 * `check` to the decorators by showing that every body it accepts is also
 * accepted by class-validator.
 */
export function FastAccept(check: FastAcceptCheck): ClassDecorator {
  return (target) => {
    checks.set(target, check);
  };
}

/** The check `@FastAccept` declared on `type` itself, if any (not inherited: a subclass may add fields). */
export function fastAcceptOf(type: object): FastAcceptCheck | undefined {
  return checks.get(type);
}
