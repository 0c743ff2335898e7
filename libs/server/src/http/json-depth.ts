/**
 * Whether a parsed JSON value nests objects and arrays deeper than `max`
 * (the value itself being depth 1 when it is an object or array). Stops
 * descending at the limit, so a hostile nesting costs no more stack than an
 * allowed one.
 */
export function exceedsDepth(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (max === 0) return true;
  return Object.values(value).some((item) => exceedsDepth(item, max - 1));
}
