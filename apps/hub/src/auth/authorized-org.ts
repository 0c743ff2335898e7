import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

import type { OrgRole } from './org-role.js';

/** The org a route's org rule was checked against, and the caller's role in it (set by AccessGuard). */
export interface AuthorizedOrg {
  orgId: string;
  role: OrgRole;
}

/** A request as AccessGuard leaves it for an org rule. */
export interface RequestWithAuthorizedOrg {
  authorizedOrg?: AuthorizedOrg;
}

/**
 * The org and role AccessGuard authorized the request for. Throws (500) on a
 * route without an org rule: a handler cannot act on an org nobody checked.
 */
export const CurrentOrg = createParamDecorator((_: unknown, context: ExecutionContext): AuthorizedOrg => {
  const authorized = context.switchToHttp().getRequest<RequestWithAuthorizedOrg>().authorizedOrg;
  if (!authorized) throw new Error('CurrentOrg read on a route that has no org access rule');
  return authorized;
});
