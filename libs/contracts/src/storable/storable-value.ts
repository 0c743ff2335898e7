/** A field of some input and what is wrong with it, as problem+json's `errors` name them. */
export interface UnstorableField {
  field: string;
  message: string;
}

/**
 * Characters Postgres cannot store in `text` or `jsonb`: NUL (the server
 * refuses `\u0000` in text, and in jsonb since 9.4.1; PostgreSQL manual,
 * "JSON Types", and the UTF-8 server encoding) and UTF-16 surrogate halves,
 * which have no UTF-8 encoding (RFC 3629, section 3). A lone surrogate is what
 * remains of one: a pair is a well-formed astral character.
 */
const SUSPECT = /[\u0000\ud800-\udfff]/;

/** Whether Postgres can store `text`: no NUL, no unpaired surrogate. */
export function isStorableString(text: string): boolean {
  // Most strings contain neither; the regular expression is the fast path.
  if (!SUSPECT.test(text)) return true;
  // String.prototype.isWellFormed (ES2024, Node 20): false exactly when a surrogate is unpaired.
  return !text.includes('\u0000') && (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/** What the message says of an unstorable string. */
const UNSTORABLE = 'must not contain NUL (\\u0000) or unpaired UTF-16 surrogates';
/** What the message says of a number JSON gave as infinite. */
const NOT_FINITE = 'must be a finite number (JSON gave one beyond the range of a double)';

/**
 * The first problem in decoded JSON input (a request's body, query or path, a
 * NATS message, token claims), or undefined: a string Postgres cannot store
 * (see isStorableString), as a value or as an object key at any depth; a
 * number JSON gave as infinite (`1e999` parses as Infinity, which JSON cannot
 * write back and jsonb cannot hold: it would be stored as null); or a value
 * nested deeper than `maxDepth`. One linear walk that stops at the first
 * problem and never recurses past the depth bound.
 *
 * `where` prefixes the field path (`query`, `path`, `headers`; empty for the
 * body, whose fields are named as the DTOs name them: `settings.a.b`,
 * `items[2].key`). Unstorable characters in a key are shown escaped.
 */
export function findUnstorable(
  value: unknown,
  where: string,
  maxDepth = Number.POSITIVE_INFINITY,
): UnstorableField | undefined {
  const found = walk(value, 1, maxDepth);
  if (!found) return undefined;
  // Built only now: the walk allocates no path for input that is fine.
  // A nesting problem names the outermost field, or the body itself when it is an array.
  const outermost = found.segments.slice(0, typeof found.segments[0] === 'string' ? 1 : 0);
  const segments = found.tooDeep ? outermost : found.segments;
  let field = where;
  for (const segment of segments) {
    field =
      typeof segment === 'number' ? `${field}[${segment}]` : field ? `${field}.${showKey(segment)}` : showKey(segment);
  }
  return { field: field || '(body)', message: found.message };
}

/** A problem, with the keys and indexes leading to it (innermost last, filled in as the walk unwinds). */
interface Found {
  segments: Array<string | number>;
  message: string;
  /** A nesting problem names the outermost field, not a path as long as the limit. */
  tooDeep: boolean;
}

function walk(value: unknown, depth: number, maxDepth: number): Found | undefined {
  if (typeof value === 'string') {
    return isStorableString(value) ? undefined : { segments: [], message: UNSTORABLE, tooDeep: false };
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : { segments: [], message: NOT_FINITE, tooDeep: false };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > maxDepth) {
    return { segments: [], message: `must be nested at most ${maxDepth} levels deep`, tooDeep: true };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(value[i], depth + 1, maxDepth);
      if (found) {
        found.segments.unshift(i);
        return found;
      }
    }
    return undefined;
  }
  for (const key in value) {
    if (!isStorableString(key)) return { segments: [key], message: `is a key that ${UNSTORABLE}`, tooDeep: false };
    const found = walk((value as Record<string, unknown>)[key], depth + 1, maxDepth);
    if (found) {
      found.segments.unshift(key);
      return found;
    }
  }
  return undefined;
}

/** A key as it may appear in an error (and a log line): NUL and surrogates escaped. */
function showKey(key: string): string {
  return isStorableString(key)
    ? key
    : key.replace(/[\u0000\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
