import { applyDecorators, SetMetadata } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiExtension,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { FieldErrorDto, ProblemDto, problemResponse } from '@switchboard/server';

/**
 * Who may call a route. Declared once with `@Access(...)`: AccessGuard enforces
 * it on every request, AccessCatalog refuses to boot a Hub with a route that
 * declares neither a rule nor `@Public()`, the OpenAPI description names it as
 * `x-required-role`, and the route snapshots read it from the same metadata.
 */
export type AccessRule =
  'any user' | 'platform admin' | 'org member' | 'org owner or admin' | 'org owner' | 'org owner or platform admin';

/** The rules decided by the caller's role in one org. */
export type OrgAccessRule = Extract<AccessRule, `org ${string}`>;

/**
 * Where a route names the org its rule is about: a path parameter, a body
 * field or a query parameter holding the org's id (`via: 'org'`), or a path
 * parameter holding the id of an org workspace, whose org counts
 * (`via: 'org workspace'`). Ids are UUIDs.
 */
export interface OrgRef {
  source: 'param' | 'body' | 'query';
  name: string;
  via: 'org' | 'org workspace';
  /**
   * Org workspaces only: the lookup may be served from the access-token issuance cache
   * (at most ISSUANCE_CACHE_MS old, see OrgWorkspacesService), for the Hub's hottest route.
   */
  cached?: boolean;
  /**
   * Org workspaces only: a user holding the `switch_account` platform permission passes too, whatever their
   * role in the org (API.md, Switch Account); the handler then applies that permission's own rules.
   */
  switchAccount?: boolean;
}

/** The org is named by its id in the path parameter, body field or query parameter `name`. */
export const orgIn = {
  param: (name: string): OrgRef => ({ source: 'param', name, via: 'org' }),
  body: (name: string): OrgRef => ({ source: 'body', name, via: 'org' }),
  query: (name: string): OrgRef => ({ source: 'query', name, via: 'org' }),
};

/** The org is the one that owns the org workspace whose id is the path parameter `name`. */
export function orgOfWorkspaceIn(name: string, options: { cached?: boolean; switchAccount?: boolean } = {}): OrgRef {
  return {
    source: 'param',
    name,
    via: 'org workspace',
    ...(options.cached ? { cached: true } : {}),
    ...(options.switchAccount ? { switchAccount: true } : {}),
  };
}

/** What `@Access` records on a route handler (or controller), under ACCESS_METADATA. */
export interface AccessDeclaration {
  rule: AccessRule;
  /** Present exactly for the org rules. */
  org?: OrgRef;
}

export const ACCESS_METADATA = 'switchboard:access';

/**
 * Declares who may call a route, and so enforces it (AccessGuard):
 * - `any user`: any authenticated platform user;
 * - `platform admin`: users with `isPlatformAdmin`, others get 403;
 * - `org member` / `org owner or admin` / `org owner`: members of the org named
 *   by `org` with one of those roles; a member with another role gets 403, a
 *   non-member (platform admins included) 404 — existence does not leak;
 * - `org owner or platform admin`: as `org owner`, and any platform admin
 *   besides (moving a workspace to another instance: API.md).
 */
export function Access(rule: 'any user' | 'platform admin'): MethodDecorator & ClassDecorator;
export function Access(rule: OrgAccessRule, org: OrgRef): MethodDecorator & ClassDecorator;
export function Access(rule: AccessRule, org?: OrgRef): MethodDecorator & ClassDecorator {
  const declaration: AccessDeclaration = org ? { rule, org } : { rule };
  const decorators = [
    SetMetadata(ACCESS_METADATA, declaration),
    ApiBearerAuth(),
    ApiExtension('x-required-role', rule),
    ApiExtraModels(ProblemDto, FieldErrorDto),
    ApiBadRequestResponse(
      problemResponse('validation_failed (with errors) or malformed_request: the input is not valid.'),
    ),
    ApiUnauthorizedResponse(
      problemResponse('No platform token, or one that is unknown (invalid_token), revoked (token_revoked) or expired.'),
    ),
  ];
  if (rule !== 'any user') {
    decorators.push(ApiForbiddenResponse(problemResponse(`forbidden: this needs ${rule}.`)));
  }
  if (rule.startsWith('org')) {
    decorators.push(
      ApiNotFoundResponse(
        problemResponse('not_found: it does not exist, or it belongs to an org the caller is not in.'),
      ),
    );
  }
  return applyDecorators(...decorators);
}
