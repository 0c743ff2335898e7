import { isJsonObject, type JsonValue } from './json-value.js';

/** What a placeholder can name about the tenant that reads an element. */
export interface PlaceholderTenant {
  name: string;
  internalId: string;
  fields: Record<string, unknown>;
}

const PLACEHOLDER = /\{(?:tenant\.([^{}]+)|(date|now))\}/g;

/**
 * At most this many characters (UTF-16 code units) of tenant text are written
 * into one value. A definition and a customisation are bounded
 * (MAX_DEFINITION_BYTES), but a placeholder is short and a tenant's field is
 * not: 15,000 `{tenant.fields.a}` times a 64 KB field (MAX_TENANT_FIELDS_BYTES)
 * would be 1 GB, which the instance would build in memory for every read.
 */
export const MAX_FILLED_CHARACTERS = 1024 * 1024;

/** Thrown by fillPlaceholders when the text it would write exceeds MAX_FILLED_CHARACTERS. */
export class FilledTooLargeError extends Error {
  override name = 'FilledTooLargeError';
}

/**
 * Fills `{tenant.name}`, `{tenant.internalId}` and `{tenant.fields.NAME}`,
 * and `{date}` (`now` as a UTC date, `YYYY-MM-DD`) and `{now}` (`now` in
 * ISO-8601, UTC, milliseconds) in every string of a value, however deep
 * (object keys are left alone: they are structure, not content).
 *
 * - `NAME` is a field's name, or a dotted path into nested fields
 *   (`{tenant.fields.address.city}`); a field whose own name has a dot is
 *   found by that name first.
 * - A string, number or boolean is written as text. A placeholder that names
 *   nothing, or a field that is missing, `null`, an object or an array, stays
 *   exactly as it was written: a definition may carry braces for its own
 *   purposes, and a half-filled value would be harder to spot than the
 *   placeholder itself.
 * - Filled text is not scanned again, so a tenant whose name contains
 *   `{tenant.internalId}` gets exactly that name.
 *
 * @throws FilledTooLargeError when the tenant text written, all placeholders
 *   together, would exceed `maxCharacters` (MAX_FILLED_CHARACTERS): nothing
 *   that large is built.
 */
export function fillPlaceholders<T extends JsonValue>(
  value: T,
  tenant: PlaceholderTenant,
  maxCharacters: number = MAX_FILLED_CHARACTERS,
  now: Date = new Date(),
): T {
  const iso = now.toISOString();
  const context: FillContext = { tenant, budget: { left: maxCharacters }, now: iso, date: iso.slice(0, 10) };
  return fill(value, context) as T;
}

interface FillContext {
  tenant: PlaceholderTenant;
  budget: { left: number };
  now: string;
  date: string;
}

function fill(value: JsonValue, context: FillContext): JsonValue {
  const { tenant, budget } = context;
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (placeholder, path: string | undefined, clock: 'date' | 'now' | undefined) => {
      const filled = clock ? context[clock] : resolve(path ?? '', tenant);
      if (filled === undefined) return placeholder;
      budget.left -= filled.length;
      if (budget.left < 0) {
        throw new FilledTooLargeError('the tenant text its placeholders name is too long, all together');
      }
      return filled;
    });
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, context));
  if (isJsonObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, context)]));
  }
  return value;
}

function resolve(path: string, tenant: PlaceholderTenant): string | undefined {
  if (path === 'name') return tenant.name;
  if (path === 'internalId') return tenant.internalId;
  if (!path.startsWith('fields.')) return undefined;
  return text(field(tenant.fields, path.slice('fields.'.length)));
}

function field(fields: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(fields, name)) return fields[name];
  let current: unknown = fields;
  for (const part of name.split('.')) {
    // Own keys only: `{tenant.fields.constructor}` must not reach into prototypes.
    if (!isJsonObject(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
