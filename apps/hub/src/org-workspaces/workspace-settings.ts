import { corsOriginProblem, MAX_CORS_ORIGINS } from '@switchboard/config';
import type { FieldError } from '@switchboard/server';

/** The largest AI-credit limit: beyond it a number is no longer exact in JSON (IEEE 754 doubles). */
const MAX_CREDITS = Number.MAX_SAFE_INTEGER;
/** The largest per-tenant request rate; far above what one tenant can send one instance. */
export const MAX_TENANT_REQUESTS_PER_SECOND = 1_000_000;

type LimitRule = (value: number) => string | undefined;

/**
 * The limits an instance honours (API.md, "Workspace settings the instance
 * honours") and what each may hold besides `null` (= unlimited).
 * `tenantRequestsPerSecond` is counted per one-second window, so only a whole
 * number of at least 1 means what it says: 0 (or 0.5) would refuse every
 * tenant request — a lock-out, not a limit — and 2.5 would act as 2.
 */
const LIMIT_RULES: Record<string, LimitRule> = {
  aiCreditsRolling30DayLimit: (value) =>
    value >= 0 && value <= MAX_CREDITS ? undefined : `must be a number from 0 to ${MAX_CREDITS}, or null`,
  tenantRequestsPerSecond: (value) =>
    Number.isInteger(value) && value >= 1 && value <= MAX_TENANT_REQUESTS_PER_SECOND
      ? undefined
      : `must be a whole number of requests from 1 to ${MAX_TENANT_REQUESTS_PER_SECOND}, or null (no limit); 0 would refuse every request`,
};

/** The limit names the instance honours under `settings.limits`. */
export const WORKSPACE_LIMIT_NAMES = Object.keys(LIMIT_RULES);

/**
 * What is wrong with the settings an instance honours, one error per field
 * (`settings.limits.<name>`, `settings.allowedOrigins[<i>]`); empty when they
 * are valid or absent. Other keys of `settings` are the operator's own and
 * are not checked here. `limits` itself must be an object (or null: no
 * limits), and may name only the limits above; `allowedOrigins` (or null:
 * none) is checked by allowedOriginsErrors.
 */
export function workspaceSettingsErrors(settings: Record<string, unknown>): FieldError[] {
  return [...limitsErrors(settings), ...allowedOriginsErrors(settings)];
}

/**
 * `settings.allowedOrigins`: the browser origins that may call the workspace
 * on its instance (CORS), at most MAX_CORS_ORIGINS, each `*` or an origin as
 * browsers serialize it (`https://app.example.com`; see corsOriginProblem for
 * the rules and why).
 */
function allowedOriginsErrors(settings: Record<string, unknown>): FieldError[] {
  if (!Object.hasOwn(settings, 'allowedOrigins')) return [];
  const origins = settings['allowedOrigins'];
  if (origins === null) return [];
  if (!Array.isArray(origins)) {
    return [
      { field: 'settings.allowedOrigins', message: 'must be an array of origins such as https://app.example.com' },
    ];
  }
  if (origins.length > MAX_CORS_ORIGINS) {
    return [{ field: 'settings.allowedOrigins', message: `must list at most ${MAX_CORS_ORIGINS} origins` }];
  }
  return origins.flatMap((origin: unknown, index) => {
    const problem = corsOriginProblem(origin);
    return problem ? [{ field: `settings.allowedOrigins[${index}]`, message: problem }] : [];
  });
}

function limitsErrors(settings: Record<string, unknown>): FieldError[] {
  if (!Object.hasOwn(settings, 'limits')) return [];
  const limits = settings['limits'];
  if (limits === null) return [];
  if (typeof limits !== 'object' || Array.isArray(limits)) {
    return [{ field: 'settings.limits', message: `must be an object with ${WORKSPACE_LIMIT_NAMES.join(', ')}` }];
  }
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(limits as Record<string, unknown>)) {
    const field = `settings.limits.${name}`;
    const rule = Object.hasOwn(LIMIT_RULES, name) ? LIMIT_RULES[name] : undefined;
    if (!rule) {
      errors.push({ field, message: `is not a known limit (known: ${WORKSPACE_LIMIT_NAMES.join(', ')})` });
      continue;
    }
    if (value === null) continue;
    // A string, boolean, object or non-finite number fails every rule, with the rule's own message.
    const problem = rule(typeof value === 'number' ? value : Number.NaN);
    if (problem) errors.push({ field, message: problem });
  }
  return errors;
}
