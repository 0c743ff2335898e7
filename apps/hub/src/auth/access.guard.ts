import { type CanActivate, type ExecutionContext, HttpException, Injectable, ParseUUIDPipe } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainException, IS_PUBLIC, routeMetadata } from '@switchboard/server';
import { isUUID } from 'class-validator';
import type { FastifyRequest } from 'fastify';

import { ACCESS_METADATA, type AccessDeclaration, type OrgAccessRule, type OrgRef } from './access.decorator.js';
import type { RequestWithAuthorizedOrg } from './authorized-org.js';
import { ORG_MANAGERS, ORG_ROLES, type OrgRole, requireOrgRole } from './org-role.js';
import { OrgRoleLookup } from './org-role-lookup.js';
import type { PlatformPrincipal } from './platform-principal.js';
import { validateRouteInputs } from './route-inputs.js';
import { WorkspaceRoleLookup } from './workspace-role-lookup.js';

/** The org roles each org rule lets through. */
export const ROLES_OF: Record<OrgAccessRule, readonly OrgRole[]> = {
  'org member': ORG_ROLES,
  'org owner or admin': ORG_MANAGERS,
  'org owner': ['owner'],
  'org owner or platform admin': ['owner'],
};

/** UUIDs of versions 1-8 with the RFC 9562 variant: a subset of what ParseUUIDPipe accepts. */
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

type AuthorizedRequest = FastifyRequest & RequestWithAuthorizedOrg & { principal?: PlatformPrincipal };

/**
 * Global guard, after PlatformAuthGuard: enforces the route's `@Access` rule.
 * Deny by default: a route with neither `@Access` nor `@Public()` answers 500
 * (and AccessCatalog refuses to boot with one). Org rules read the org from
 * where the declaration says and answer as OrgRoleLookup does: 404 for a
 * non-member (existence does not leak, platform admins included), 403 for a
 * member whose role is not enough. Guards run before pipes, so a request it
 * refuses first has its inputs validated (validateRouteInputs): bad input is
 * a 400 whoever sends it, as before the rules moved here; a malformed org
 * reference the DTO would not catch is a 400 naming it.
 * @throws DomainException 400 validation_failed, 403 forbidden, 404 not_found;
 *   Error (500) for a route without a rule or reached without a principal.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: OrgRoleLookup,
    private readonly workspaces: WorkspaceRoleLookup,
  ) {}

  /**
   * `true` at once, no promise, when the route's rule is met from memory
   * (nearly every access-token issuance: Nest then awaits nothing for this
   * guard); otherwise the promise of `decide`, as always.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return this.allowedFromMemory(context) || this.decide(context);
  }

  /**
   * Whether `decide` would allow the request without awaiting anything:
   * `enforceFromMemory` met the route's rule (and set `request.authorizedOrg`).
   * Never throws: anything else, a refusal included, is `false`, and `decide`
   * then gives the verdict and the error.
   */
  private allowedFromMemory(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || routeMetadata<boolean>(this.reflector, IS_PUBLIC, context) === true) {
      return false;
    }
    const declaration = routeMetadata<AccessDeclaration>(this.reflector, ACCESS_METADATA, context);
    const request = context.switchToHttp().getRequest<AuthorizedRequest>();
    const principal = request.principal;
    if (!declaration || !principal) return false;
    const route = (): string => `${context.getClass().name}.${context.getHandler().name}`;
    try {
      return this.enforceFromMemory(route, declaration, request, principal);
    } catch {
      return false;
    }
  }

  private async decide(context: ExecutionContext): Promise<boolean> {
    if (context.getType() === 'rpc') return true;
    if (routeMetadata<boolean>(this.reflector, IS_PUBLIC, context) === true) return true;
    const declaration = routeMetadata<AccessDeclaration>(this.reflector, ACCESS_METADATA, context);
    // Named only for errors: the allowed path (the Hub's hottest route among them) builds no string.
    const route = (): string => `${context.getClass().name}.${context.getHandler().name}`;
    if (!declaration) throw new Error(`${route()} declares neither @Access(...) nor @Public(): refused`);

    const request = context.switchToHttp().getRequest<AuthorizedRequest>();
    const principal = request.principal;
    if (!principal) throw new Error(`${route()} was reached without an authenticated principal`);

    try {
      // A rule met from memory was let through by canActivate; here it can only be refused from memory.
      if (!this.enforceFromMemory(route, declaration, request, principal)) {
        await this.enforce(route, declaration, request, principal);
      }
    } catch (refusal) {
      // A switch_account holder passes a refusal for their role (403/404), not one for bad input (400).
      if (mayActAcrossOrgs(declaration, principal, refusal)) return true;
      // Bad input stays a 400 whoever sends it, as when the checks ran in the handlers, after the pipes.
      if (refusal instanceof DomainException || refusal instanceof HttpException) await validateRouteInputs(context);
      throw refusal;
    }
    return true;
  }

  private async enforce(
    route: () => string,
    declaration: AccessDeclaration,
    request: AuthorizedRequest,
    principal: PlatformPrincipal,
  ): Promise<void> {
    switch (declaration.rule) {
      case 'any user':
        return;
      case 'platform admin':
        if (!principal.user.isPlatformAdmin) throw DomainException.forbidden('This needs a platform admin.');
        return;
      case 'org owner or platform admin':
        if (principal.user.isPlatformAdmin) return;
        return this.enforce(route, { ...declaration, rule: 'org owner' }, request, principal);
      case 'org member':
      case 'org owner or admin':
      case 'org owner': {
        if (!declaration.org) throw new Error(`${route()} has an org rule but names no org`);
        const allowed = ROLES_OF[declaration.rule];
        request.authorizedOrg = await this.authorizeOrg(request, declaration.org, principal.user.id, allowed);
        return;
      }
    }
  }

  /**
   * `enforce` when it needs nothing to be awaited: `true` when the rule is
   * decided and met (`request.authorizedOrg` set as `enforce` sets it),
   * `false` when `enforce` must decide. The same rules and refusals: rules
   * without an org; an org workspace rule with `cached`, a well-formed id and
   * an answer from the lookup's issuance cache.
   * @throws what `enforce` throws for the same request.
   */
  private enforceFromMemory(
    route: () => string,
    declaration: AccessDeclaration,
    request: AuthorizedRequest,
    principal: PlatformPrincipal,
  ): boolean {
    switch (declaration.rule) {
      case 'any user':
        return true;
      case 'platform admin':
        if (!principal.user.isPlatformAdmin) throw DomainException.forbidden('This needs a platform admin.');
        return true;
      case 'org owner or platform admin':
        if (principal.user.isPlatformAdmin) return true;
        return this.enforceFromMemory(route, { ...declaration, rule: 'org owner' }, request, principal);
      case 'org member':
      case 'org owner or admin':
      case 'org owner': {
        const ref = declaration.org;
        if (!ref) throw new Error(`${route()} has an org rule but names no org`);
        if (ref.via !== 'org workspace' || ref.cached !== true || ref.source !== 'param') return false;
        const id = (request.params as Record<string, string | undefined>)[ref.name];
        // Anything else goes to enforce, whose ParseUUIDPipe gives its verdict and its error.
        if (id === undefined || !CANONICAL_UUID.test(id)) return false;
        const found = this.workspaces.cachedCallerRole?.(principal.user.id, id);
        if (!found) return false;
        if (!found.role) throw DomainException.notFound('The org workspace');
        request.authorizedOrg = { orgId: found.orgId, role: requireOrgRole(found.role, ROLES_OF[declaration.rule]) };
        return true;
      }
    }
  }

  private async authorizeOrg(
    request: AuthorizedRequest,
    ref: OrgRef,
    userId: string,
    allowed: readonly OrgRole[],
  ): Promise<{ orgId: string; role: OrgRole }> {
    const id = await referencedId(request, ref);
    if (ref.via === 'org') return { orgId: id, role: await this.access.requireRole(id, userId, allowed) };
    const found = await this.workspaces.callerRole(userId, id, ref.cached === true);
    if (!found?.role) throw DomainException.notFound('The org workspace');
    return { orgId: found.orgId, role: requireOrgRole(found.role, allowed) };
  }
}

/**
 * Whether a refusal is lifted by the `switch_account` platform permission:
 * the route opts in (`switchAccount`), the caller holds it, and the refusal
 * was about the caller's role in the org (403 or 404), not about the input.
 */
function mayActAcrossOrgs(declaration: AccessDeclaration, principal: PlatformPrincipal, refusal: unknown): boolean {
  if (declaration.org?.switchAccount !== true || !principal.user.permissions.includes('switch_account')) return false;
  return refusal instanceof DomainException && (refusal.status === 403 || refusal.status === 404);
}

/** The UUID the reference points at, refused as the pipes after the guard would refuse it. */
async function referencedId(request: AuthorizedRequest, ref: OrgRef): Promise<string> {
  if (ref.source === 'param') {
    const params = request.params as Record<string, string | undefined>;
    return (await new ParseUUIDPipe().transform(params[ref.name] ?? '', { type: 'param', data: ref.name })) as string;
  }
  const container = (ref.source === 'body' ? request.body : request.query) as Record<string, unknown> | undefined;
  const value = container !== null && typeof container === 'object' ? container[ref.name] : undefined;
  if (typeof value !== 'string' || !isUUID(value)) {
    throw DomainException.validation(`${ref.name}: must be a UUID.`, [{ field: ref.name, message: 'must be a UUID' }]);
  }
  return value;
}
