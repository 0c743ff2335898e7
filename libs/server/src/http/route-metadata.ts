import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

/** Per controller class, per handler, per metadata key: what `getAllAndOverride` answered. */
const answers = new WeakMap<object, WeakMap<object, Map<unknown, unknown>>>();

/**
 * `reflector.getAllAndOverride(key, [handler, class])` for the route in
 * `context`, read through reflect-metadata once per route and key, then from
 * memory. Route metadata is written by decorators when the classes are
 * defined and never changes afterwards, so the answer is the same; the global
 * guards ask it on every request (about 1 % of the Hub's access-token route).
 * Returns `undefined` when neither the handler nor its class declares `key`.
 */
export function routeMetadata<T>(reflector: Reflector, key: string | symbol, context: ExecutionContext): T | undefined {
  const handler = context.getHandler();
  const type = context.getClass();
  let byHandler = answers.get(type);
  if (!byHandler) answers.set(type, (byHandler = new WeakMap()));
  let byKey = byHandler.get(handler);
  if (!byKey) byHandler.set(handler, (byKey = new Map()));
  if (byKey.has(key)) return byKey.get(key) as T | undefined;
  const value = reflector.getAllAndOverride<T | undefined>(key, [handler, type]);
  byKey.set(key, value);
  return value;
}
