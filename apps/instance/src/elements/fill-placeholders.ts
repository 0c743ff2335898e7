import { isJsonObject, type JsonValue } from './json-value.js';

/** What a placeholder can name about the tenant that reads an element. */
export interface PlaceholderTenant {
  name: string;
  internalId: string;
  fields: Record<string, unknown>;
}

const PLACEHOLDER = /\{tenant\.([^{}]+)\}/g;

/**
 * Fills `{tenant.name}`, `{tenant.internalId}` and `{tenant.fields.NAME}` in
 * every string of a value, however deep (object keys are left alone: they are
 * structure, not content).
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
 */
export function fillPlaceholders<T extends JsonValue>(value: T, tenant: PlaceholderTenant): T {
  return fill(value, tenant) as T;
}

function fill(value: JsonValue, tenant: PlaceholderTenant): JsonValue {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (placeholder, path: string) => resolve(path, tenant) ?? placeholder);
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, tenant));
  if (isJsonObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, tenant)]));
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
