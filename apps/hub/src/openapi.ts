import type { ApiDescriptionOptions } from '@switchboard/server';

import type { HubConfig } from './config.js';

/**
 * The Hub's OpenAPI description: its title, what it serves, its public URL
 * (`HUB_PUBLIC_URL`, when set) and the problem every authenticated route can
 * answer (PlatformAuthGuard's 401); 403 and 404 come with each route's
 * `@Access` rule.
 */
export function hubApiDescription(config: Pick<HubConfig, 'HUB_PUBLIC_URL'>): {
  title: string;
  description: string;
  api: ApiDescriptionOptions;
} {
  return {
    title: 'Switchboard Hub',
    description:
      'Management API: users, orgs, org workspaces, their tokens and secrets, and the instance registry. ' +
      'Callers send a personal access token as `Authorization: Bearer <token>`; each route names the role it needs ' +
      '(`x-required-role`). Errors are `application/problem+json` with a stable `code`.',
    api: {
      ...(config.HUB_PUBLIC_URL ? { serverUrl: config.HUB_PUBLIC_URL } : {}),
      authenticatedProblems: {
        401: 'unauthenticated, invalid_token, token_revoked, token_expired: no platform token, or one that is not valid.',
      },
    },
  };
}
