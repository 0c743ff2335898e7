import { registerDecorator, type ValidationOptions } from 'class-validator';

/** At most this many origins per list: a list longer than this is a sign of a mistake, not a policy. */
export const MAX_CORS_ORIGINS = 100;
const MAX_ORIGIN_LENGTH = 2048;

/**
 * What is wrong with one entry of a CORS origin list, or `undefined` when it
 * is valid. An entry is either exactly `*` (any origin: our APIs take bearer
 * tokens, never cookies, so responses are never "credentialed" and the Fetch
 * standard allows `Access-Control-Allow-Origin: *` for them), or an origin
 * exactly as a browser serializes it in the `Origin` header (WHATWG URL,
 * "ASCII serialization of an origin"): `scheme://host[:port]`, http or https,
 * lower-case, no default port, no path, no trailing slash, no user info.
 * Requiring the serialized form lets the server compare with `===`. No partial
 * wildcard (`https://*.example.com`): the Fetch standard has none, and suffix
 * matching is where CORS configurations usually go wrong. `null` (the origin
 * of sandboxed frames and `file:` pages) is refused: any page can produce it.
 */
export function corsOriginProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'string') return 'must be a string';
  if (entry === '*') return undefined;
  if (entry.length > MAX_ORIGIN_LENGTH) return `must be at most ${MAX_ORIGIN_LENGTH} characters`;
  if (entry === 'null') return 'must not be "null": sandboxed frames and local files share that origin';
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return 'must be an origin such as https://app.example.com (scheme://host[:port]) or "*"';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https origin';
  if (url.hostname.includes('*')) return 'must not contain a wildcard: list each origin, or use "*" alone';
  if (url.origin !== entry) {
    return `must be the origin exactly as browsers send it: "${url.origin}" (no path, trailing slash, upper case or default port)`;
  }
  return undefined;
}

/**
 * Problems of a whole origin list, one per entry (`[index] problem`), plus
 * one when it is too long; empty when valid.
 */
export function corsOriginListProblems(origins: readonly unknown[]): string[] {
  const problems = origins.flatMap((origin, index) => {
    const problem = corsOriginProblem(origin);
    return problem ? [`[${index}] ${problem}`] : [];
  });
  if (origins.length > MAX_CORS_ORIGINS) problems.push(`must list at most ${MAX_CORS_ORIGINS} origins`);
  return problems;
}

/** Splits a comma-separated origin list (an environment variable): entries trimmed, empty ones dropped. */
export function parseCorsOrigins(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/**
 * A comma-separated list of CORS origins (see corsOriginProblem), empty for
 * none: `https://app.example.com,http://localhost:3000`, or `*`.
 */
export function IsCorsOriginList(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCorsOriginList',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args) =>
          `must be comma-separated origins such as https://app.example.com,http://localhost:3000 (or *): ${
            typeof args.value === 'string' ? corsOriginListProblems(parseCorsOrigins(args.value)).join('; ') : ''
          }`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && corsOriginListProblems(parseCorsOrigins(value)).length === 0,
      },
    });
}
