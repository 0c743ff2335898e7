import { isJsonObject, type JsonObject, type JsonValue } from './json-value.js';

/**
 * The element a tenant sees: the template with the tenant's customisation laid
 * over it. This is JSON Merge Patch (RFC 7396), chosen because a tenant can
 * then express every change as a partial object and nothing else:
 * - objects merge recursively, key by key;
 * - arrays and scalars in the overlay replace what the template has (an array
 *   is never merged element by element: positions carry no identity);
 * - `null` in the overlay removes the key (so a customisation can never put a
 *   literal `null` into a definition).
 * Neither input is changed. Results are built with `Object.fromEntries`, so a
 * `__proto__` key is an ordinary own key, never a prototype.
 */
export function mergeDefinition(template: JsonObject, overlay: JsonObject): JsonObject {
  return mergeObject(template, overlay);
}

function mergeObject(base: JsonObject, overlay: JsonObject): JsonObject {
  const merged = new Map<string, JsonValue>(Object.entries(base));
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null) {
      merged.delete(key);
    } else if (isJsonObject(value)) {
      const current = merged.get(key);
      // An object over a scalar (or over nothing) still drops its own nulls, as RFC 7396 says.
      merged.set(key, mergeObject(isJsonObject(current) ? current : {}, value));
    } else {
      merged.set(key, value);
    }
  }
  return Object.fromEntries(merged);
}

/**
 * A tenant's PATCH of its customisation: `patch` laid over the overlay it has
 * (`{}` when none) by the same rule as mergeDefinition — objects merge key by
 * key, arrays and scalars replace — except that a `null` in the patch is kept
 * rather than applied: in a customisation a `null` is what removes a key from
 * the template, so the tenant's view changes exactly as if the patch were
 * applied to it (RFC 7396). One case cannot be written as a single overlay:
 * an object in the patch where the customisation holds a scalar, an array or a
 * `null` merges onto the template's value there rather than replacing it.
 * Neither input is changed.
 */
export function composeOverlay(overlay: JsonObject, patch: JsonObject): JsonObject {
  const composed = new Map<string, JsonValue>(Object.entries(overlay));
  for (const [key, value] of Object.entries(patch)) {
    const current = composed.get(key);
    composed.set(key, isJsonObject(value) && isJsonObject(current) ? composeOverlay(current, value) : value);
  }
  return Object.fromEntries(composed);
}
