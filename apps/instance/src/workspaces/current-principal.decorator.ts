import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

import type { WorkspacePrincipal } from './workspace-principal.js';

/** The verified caller; throws if read on a route that has none, so a public route never acts as nobody. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): WorkspacePrincipal => {
  const principal = context.switchToHttp().getRequest<{ principal?: WorkspacePrincipal }>().principal;
  if (!principal) throw new Error('CurrentPrincipal read on a route that has no authenticated principal');
  return principal;
});
