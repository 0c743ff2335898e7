import type { OpenAPIObject } from '@nestjs/swagger';

import { problemResponse } from './api-problem.js';

/** What a service says about its OpenAPI description beyond its routes' own decorators. */
export interface ApiDescriptionOptions {
  /** Where the API is served (a public base URL, no trailing slash); without one, the document's own origin (`/`). */
  serverUrl?: string;
  /**
   * The problems every authenticated route of this service can answer, by
   * status, as its global guards give them (401 always; the instance's 403
   * for an archived workspace and 429 for a tenant over its rate limit).
   */
  authenticatedProblems: Readonly<Record<number, string>>;
}

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The problems a route answers because of what it takes, whatever it does. */
const INPUT_PROBLEMS = {
  invalid: 'validation_failed (with `errors`) or malformed_request: the input is not valid.',
  notFound: 'not_found: it does not exist, or the caller may not see it.',
  mediaType: 'unsupported_media_type: the body is not JSON (`application/json` or `application/*+json`) in UTF-8.',
} as const;

/**
 * Completes the document @nestjs/swagger builds, in place, for every
 * operation (rules in issue 16, "OpenAPI complete"):
 * - `operationId`: `<resource>.<method>` from `<Resource>Controller.<method>`
 *   (`tenants.list`); a method served at several paths (Membrane's aliases,
 *   `GET /tenants` and `GET /customers`) gets the path's first segment after
 *   it (`tenants.list.customers`), so ids do not depend on declaration order.
 *   Ids set explicitly (`@ApiOperation({ operationId })`) stay.
 * - `security: []` on routes that declare none (the `@Public()` ones);
 * - the standard problem responses (`application/problem+json`, `ProblemDto`)
 *   a route can give, unless it documents that status itself: the service's
 *   `authenticatedProblems` on authenticated routes, 400 on routes that take
 *   parameters or a body, 415 on routes that take a body, 404 on routes with
 *   path parameters; none of those on a route that is not served (it
 *   documents a 501) and reads no input;
 * - `servers`: the service's public URL, or `/`.
 * Responses are ordered by status, so the document is the same on every build.
 * @throws Error when two operations end up with the same operationId (a bug of ours).
 */
export function completeDocument(document: OpenAPIObject, options: ApiDescriptionOptions): OpenAPIObject {
  document.servers = [
    options.serverUrl
      ? { url: options.serverUrl.replace(/\/+$/, ''), description: 'This service, at its public URL.' }
      : { url: '/', description: 'This service, where this document is served.' },
  ];
  const seen = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operation.operationId = stableOperationId(operation.operationId ?? `${method}${path}`, path);
      const where = `${method.toUpperCase()} ${path}`;
      const other = seen.get(operation.operationId);
      if (other) throw new Error(`operationId ${operation.operationId} names both ${other} and ${where}`);
      seen.set(operation.operationId, where);
      operation.security ??= [];
      addProblems(operation, options);
    }
  }
  return document;
}

/** `TenantsController_list[1]` at `/customers` → `tenants.list.customers`; anything else as it is. */
function stableOperationId(generated: string, path: string): string {
  const match = /^(\w+?)Controller_(\w+)(\[\d+\])?$/.exec(generated);
  if (!match) return generated;
  const [, controller = '', method = '', alias] = match;
  const id = `${lowerFirst(controller)}.${method}`;
  if (alias === undefined) return id;
  const segment = path.split('/').find((part) => part !== '' && !part.startsWith('{')) ?? 'root';
  return `${id}.${camelCase(segment)}`;
}

function addProblems(operation: Operation, options: ApiDescriptionOptions): void {
  const responses = operation.responses;
  const add = (status: number, description: string) => {
    responses[String(status)] ??= problemResponse(description);
  };
  if (operation.security?.length) {
    for (const [status, description] of Object.entries(options.authenticatedProblems)) add(Number(status), description);
  }
  // A route that is not served (501, Membrane's routes Switchboard does not offer) reads no input.
  if (responses['501']) return sortResponses(operation);
  const parameters = (operation.parameters ?? []).filter((parameter) => 'in' in parameter);
  if (operation.requestBody || parameters.length > 0) add(400, INPUT_PROBLEMS.invalid);
  if (operation.requestBody) add(415, INPUT_PROBLEMS.mediaType);
  if (parameters.some((parameter) => 'in' in parameter && parameter.in === 'path')) add(404, INPUT_PROBLEMS.notFound);
  sortResponses(operation);
}

function sortResponses(operation: Operation): void {
  operation.responses = Object.fromEntries(Object.entries(operation.responses).sort(([a], [b]) => a.localeCompare(b)));
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** `event-subscriptions` → `eventSubscriptions`. */
export function camelCase(text: string): string {
  return text.replace(/[-_.]+(\w)/g, (_match, next: string) => next.toUpperCase());
}
