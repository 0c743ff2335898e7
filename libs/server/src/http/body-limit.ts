import { RouteConfig } from '@nestjs/platform-fastify';

/** The route config key createService reads to give a route its own body limit. */
export const BODY_LIMIT_CONFIG = 'bodyLimitBytes';

/**
 * A body limit for one route, in bytes, instead of the service's (1 MiB by
 * default): createService sets it as the route's Fastify `bodyLimit` when the
 * route is registered, so a larger body is refused while it is read, with
 * `413 payload_too_large`, before any parsing.
 */
export function BodyLimit(bytes: number): MethodDecorator {
  if (!Number.isInteger(bytes) || bytes <= 0) throw new Error(`BodyLimit: ${bytes} is not a positive integer`);
  return RouteConfig({ [BODY_LIMIT_CONFIG]: bytes });
}

/** The body limit a route's config asks for (see BodyLimit), or undefined. */
export function bodyLimitOf(config: unknown): number | undefined {
  if (typeof config !== 'object' || config === null) return undefined;
  const limit = (config as Record<string, unknown>)[BODY_LIMIT_CONFIG];
  return typeof limit === 'number' ? limit : undefined;
}
