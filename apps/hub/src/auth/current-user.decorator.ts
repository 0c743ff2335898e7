import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

import type { PlatformPrincipal } from './platform-principal.js';

/**
 * The authenticated caller of `request` (set by PlatformAuthGuard).
 * @throws Error (500) when the route was reached without a principal, so a `@Public()` route can never act as nobody.
 */
export function principalOf(request: { principal?: PlatformPrincipal }): PlatformPrincipal {
  const principal = request.principal;
  if (!principal) throw new Error('CurrentPrincipal read on a route that has no authenticated principal');
  return principal;
}

/**
 * The authenticated caller. Throws when a route that uses it was reached
 * without a principal, so a `@Public()` route can never act as nobody.
 * (Nest puts a custom parameter through the global pipes, some six promises
 * a request; the Hub's hottest route reads `principalOf(@Req())` instead.)
 */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): PlatformPrincipal =>
  principalOf(context.switchToHttp().getRequest<{ principal?: PlatformPrincipal }>()),
);
