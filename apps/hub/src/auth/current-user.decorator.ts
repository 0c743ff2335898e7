import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

import type { PlatformPrincipal } from './platform-principal.js';

/**
 * The authenticated caller. Throws when a route that uses it was reached
 * without a principal, so a `@Public()` route can never act as nobody.
 */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): PlatformPrincipal => {
  const principal = context.switchToHttp().getRequest<{ principal?: PlatformPrincipal }>().principal;
  if (!principal) throw new Error('CurrentPrincipal read on a route that has no authenticated principal');
  return principal;
});
