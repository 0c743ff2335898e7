import type { ApiDescriptionOptions } from '@switchboard/server';

import type { InstanceConfig } from './config.js';

/**
 * The instance's OpenAPI description: its title, what it serves, its public
 * URL (`INSTANCE_API_URL`) and the problems every authenticated route can
 * answer because of the global guards (WorkspaceAuthGuard: 401, an archived
 * workspace's 403; RateLimitGuard: 429).
 */
export function instanceApiDescription(config: Pick<InstanceConfig, 'INSTANCE_ID' | 'INSTANCE_API_URL'>): {
  title: string;
  description: string;
  api: ApiDescriptionOptions;
} {
  return {
    title: `Switchboard Instance ${config.INSTANCE_ID}`,
    description:
      "Workspace and tenant API: tenants (Membrane's customers), connections, integrations, elements, usage and activity logs. " +
      'Callers send a workspace JWT as `Authorization: Bearer <token>`: an admin token (no tenant claims) acts on the workspace, ' +
      'a tenant token on its own tenant only. Errors are `application/problem+json` with a stable `code`. ' +
      'Routes of Membrane\'s API that Switchboard does not serve (tag "not supported by Switchboard") answer, ' +
      'after authentication, 501 problem+json with code "not_supported" and a detail naming the feature.',
    api: {
      serverUrl: config.INSTANCE_API_URL,
      authenticatedProblems: {
        401: 'unauthenticated, invalid_token, invalid_signature, token_expired, unknown_workspace, …: no workspace token, or one that is not valid.',
        403: "workspace_archived, tenant_archived: the token's workspace or tenant is archived; forbidden: a route for admin tokens called with a tenant token, or the reverse.",
        429: 'rate_limited: the tenant is over its `limits.tenantRequestsPerSecond`; `retryAfterSeconds` says when to retry.',
      },
    },
  };
}
