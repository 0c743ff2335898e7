/** A lone UTF-16 surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** JSON nesting followed before giving up; claims deeper than this are refused, not walked. */
const MAX_DEPTH = 32;

/**
 * Whether Postgres can store a string: `text` refuses U+0000 and `jsonb`
 * refuses `\u0000` as well as any code point that is not valid UTF-8, which a
 * lone surrogate is not (PostgreSQL manual, "8.3 Character Types" and "8.14
 * JSON Types").
 */
export function isStorableString(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/**
 * The path of the first string in decoded token claims — keys and values, at
 * any depth (`fields.plan`, `fields.tags[2]`) — that Postgres cannot store, or
 * `undefined` when every one can. A value nested deeper than 32 levels is
 * reported too, as its path: claims are small and such a token is not one we
 * issue.
 */
export function unstorableClaim(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return isStorableString(value) ? undefined : path || '(claims)';
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= MAX_DEPTH) return path || '(claims)';
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unstorableClaim(item, `${path}[${index}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const keyPath = path ? `${path}.${key}` : key;
    if (!isStorableString(key)) return keyPath;
    const found = unstorableClaim(item, keyPath, depth + 1);
    if (found) return found;
  }
  return undefined;
}
