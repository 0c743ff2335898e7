import { createHash } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { BoundedCache, DomainException, ErrorCode } from '@switchboard/server';
import { Ajv, type ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import addFormats from 'ajv-formats';
import { RE2JS } from 're2js';

const CACHE_LIMIT = 1000;
/** Schemas change rarely; an unused validator may go after a day. */
const CACHE_TTL_MS = 24 * 3600_000;

/**
 * The engine of every `pattern` and `patternProperties` in a tenant field
 * schema: RE2 (re2js), whose matching time is linear in the input, so a
 * workspace admin's `"(a+)+$"` cannot stall the instance for every workspace
 * it serves (ReDoS; Ajv's docs, "Security considerations", recommend RE2 for
 * untrusted schemas). RE2 has no backreferences or lookaround: a schema that
 * uses them is refused when it is set (400).
 */
const linearTimeRegExp: RegExpEngine = Object.assign(
  (pattern: string) => {
    const compiled = RE2JS.compile(pattern);
    return { test: (input: string) => compiled.test(input) };
  },
  { code: 'linearTimeRegExp' },
);

/**
 * Checks tenant `fields` against the workspace's JSON Schema. Compiled
 * validators are cached by the schema's content, so a schema change takes
 * effect at once and an unchanged one is compiled once.
 */
@Injectable()
export class TenantFieldsValidator {
  private readonly ajv = new Ajv({ allErrors: true, strict: false, code: { regExp: linearTimeRegExp } });
  private readonly compiled = new BoundedCache<string, ValidateFunction>({ max: CACHE_LIMIT, ttlMs: CACHE_TTL_MS });

  constructor() {
    (addFormats as unknown as (ajv: Ajv) => void)(this.ajv);
  }

  /** Throws 400 naming the problem when `schema` is not a usable JSON Schema. */
  assertSchema(schema: Record<string, unknown>): void {
    try {
      this.compile(schema);
    } catch (error) {
      throw DomainException.validation(
        `The tenant field schema is not valid JSON Schema: ${(error as Error).message}`,
        [{ field: 'schema', message: (error as Error).message }],
      );
    }
  }

  /** Throws 422 naming each field that breaks the schema; no schema accepts anything. */
  assertFields(schema: Record<string, unknown> | null, fields: Record<string, unknown>): void {
    if (!schema) return;
    const validate = this.compile(schema);
    if (validate(fields)) return;
    const errors = (validate.errors ?? []).map((error) => {
      const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const missing = (error.params as { missingProperty?: string }).missingProperty;
      const field = ['fields', path, missing].filter(Boolean).join('.');
      return { field, message: error.message ?? 'is not valid' };
    });
    throw new DomainException(
      422,
      ErrorCode.ValidationFailed,
      'Tenant fields break the workspace schema',
      errors.map((error) => `${error.field}: ${error.message}`).join('; '),
      { errors },
    );
  }

  private compile(schema: Record<string, unknown>): ValidateFunction {
    const key = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}
