import type { ArgumentMetadata, ExecutionContext, PipeTransform, Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { createValidationPipe } from '@switchboard/server';

interface RouteArgument {
  index: number;
  data?: string;
  pipes?: (Type<PipeTransform> | PipeTransform)[];
}

const SOURCES: Partial<Record<RouteParamtypes, ArgumentMetadata['type']>> = {
  [RouteParamtypes.BODY]: 'body',
  [RouteParamtypes.QUERY]: 'query',
  [RouteParamtypes.PARAM]: 'param',
};

/**
 * Runs a route's input pipes ahead of its handler, as Nest would after the
 * guards: the global validation pipe (createValidationPipe, the same one
 * PlatformModule installs) and then each parameter's own pipes (e.g.
 * ParseUUIDPipe), over its body, query and path parameters.
 *
 * AccessGuard calls it only for a request it refuses, so that bad input is
 * still a 400 whoever sends it, as when the role checks ran in the handlers
 * (after the pipes); the allowed path pays nothing for it.
 * @throws what the pipes throw: DomainException 400 validation_failed, or Nest's 400 for a malformed UUID.
 */
export async function validateRouteInputs(context: ExecutionContext): Promise<void> {
  const controller = context.getClass();
  const handler = context.getHandler();
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<
    string,
    RouteArgument
  >;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, handler.name) ??
    []) as unknown[];
  const request = context.switchToHttp().getRequest<{ body?: unknown; query?: unknown; params?: unknown }>();
  const validation = createValidationPipe();
  for (const [key, argument] of Object.entries(args)) {
    const type = SOURCES[Number(key.split(':')[0]) as RouteParamtypes];
    if (!type) continue;
    const whole = type === 'body' ? request.body : type === 'query' ? request.query : request.params;
    const value =
      argument.data !== undefined && whole !== null && typeof whole === 'object'
        ? (whole as Record<string, unknown>)[argument.data]
        : whole;
    const metadata: ArgumentMetadata = {
      type,
      metatype: types[argument.index] as Type | undefined,
      data: argument.data,
    };
    let transformed: unknown = await validation.transform(value, metadata);
    for (const pipe of argument.pipes ?? []) {
      const instance = typeof pipe === 'function' ? new pipe() : pipe;
      transformed = await instance.transform(transformed, metadata);
    }
  }
}
