import { Controller, Param, RequestMapping, RequestMethod, type Type } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiProblem, DomainException } from '@switchboard/server';

import { NOT_SUPPORTED_ROUTES, type NotSupportedRoute } from './not-supported.js';

/**
 * The parameters of a Fastify path as the OpenAPI description names them:
 * `:name` segments, and `path` for a final `*` (the rest of the path), as
 * @nestjs/swagger writes it (`{path}`).
 */
function parametersOf(path: string): string[] {
  return [...path.matchAll(/:(\w+)|(\*)$/g)].map((match) => match[1] ?? 'path');
}

/**
 * A stable operationId from the route itself, not its row: `GET /flows/:key/runs` →
 * `notSupported.getFlowsByKeyRuns`, a final `*` read as `Rest`.
 */
function operationIdOf(route: NotSupportedRoute): string {
  const words = route.path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => (segment === '*' ? 'rest' : segment.startsWith(':') ? `by-${segment.slice(1)}` : segment));
  const name = [route.method.toLowerCase(), ...words]
    .join('-')
    .replace(/[-_]+(\w)/g, (_match, next: string) => next.toUpperCase());
  return `notSupported.${name}`;
}

/** What a route answers: 404 for a parameter outside its `only`, else 501 naming the feature. */
function answer(route: NotSupportedRoute, params: Record<string, string>): never {
  for (const [name, allowed] of Object.entries(route.only ?? {})) {
    if (!allowed.includes(params[name] ?? '')) throw DomainException.notFound('This route');
  }
  throw DomainException.notSupported(route.detail);
}

/**
 * One controller with a handler per row of NOT_SUPPORTED_ROUTES, built from
 * the table so that the table is the only place that lists them. Each handler
 * sits behind the global guards like every route (authentication first), is
 * documented in the OpenAPI description with its 501, and reads nothing but
 * its path parameters.
 */
export function notSupportedController(routes: readonly NotSupportedRoute[] = NOT_SUPPORTED_ROUTES): Type<unknown> {
  @ApiTags('not supported by Switchboard')
  @ApiBearerAuth()
  @Controller()
  class MembraneNotSupportedController {}

  const prototype = MembraneNotSupportedController.prototype as unknown as Record<string, unknown>;
  routes.forEach((route, index) => {
    const name = `${route.method.toLowerCase()}${index}`;
    prototype[name] = (params: Record<string, string>): never => answer(route, params);
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name)!;
    Param()(prototype, name, 0);
    // What a compiler emitting decorator metadata would write: a plain object, which the global
    // ValidationPipe leaves alone; without it Nest 12 warns for every handler at boot (109 lines).
    Reflect.defineMetadata('design:paramtypes', [Object], prototype, name);
    for (const parameter of parametersOf(route.path)) {
      const only = route.only?.[parameter];
      ApiParam({
        name: parameter,
        type: String,
        ...(only ? { enum: [...only] } : {}),
        description: parameter === 'path' && route.path.endsWith('*') ? 'The rest of the path.' : undefined,
      })(prototype, name, descriptor);
    }
    ApiOperation({
      summary: `${route.feature}: not supported (501)`,
      description: `Membrane SDK: \`${route.sdk}\`. Answers \`501\` with \`code: "not_supported"\` and the detail "${route.detail}" Authentication comes first (no token: 401).`,
      operationId: operationIdOf(route),
    })(prototype, name, descriptor);
    ApiProblem(501, `not_supported: ${route.detail}`)(prototype, name, descriptor);
    if (route.only)
      ApiProblem(404, 'not_found: a path parameter outside the values listed.')(prototype, name, descriptor);
    RequestMapping({ path: route.path, method: RequestMethod[route.method] })(prototype, name, descriptor);
  });
  return MembraneNotSupportedController;
}
