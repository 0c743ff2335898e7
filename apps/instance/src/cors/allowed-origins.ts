import { corsOriginProblem } from '@switchboard/config';

/**
 * The origins in workspace settings' `allowedOrigins`, as a set, or `'*'`
 * when `*` is among them. The Hub validates the list when it is written
 * (`corsOriginProblem`); an entry that is not valid (written before that
 * check, or by hand) is skipped rather than trusted.
 */
export function allowedOriginsOf(settings: Record<string, unknown>): '*' | ReadonlySet<string> {
  const listed = settings['allowedOrigins'];
  if (!Array.isArray(listed)) return new Set();
  const valid = listed.filter((origin): origin is string => corsOriginProblem(origin) === undefined);
  return valid.includes('*') ? '*' : new Set(valid);
}
