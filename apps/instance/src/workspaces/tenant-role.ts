import { SetMetadata } from '@nestjs/common';
import { DomainException } from '@switchboard/server';

/**
 * A tenant caller's role (API.md, "Tenant API keys, roles and revocation"):
 * `owner` may do everything a tenant may (the default of a workspace JWT);
 * `member` everything but managing API keys and credentials; `viewer` reads
 * only — any mutating request is 403.
 */
export const TENANT_ROLES = ['owner', 'member', 'viewer'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

const RANK: Record<TenantRole, number> = { viewer: 0, member: 1, owner: 2 };

export function isTenantRole(value: unknown): value is TenantRole {
  return typeof value === 'string' && (TENANT_ROLES as readonly string[]).includes(value);
}

/** Whether `role` is at least `needed`. */
export function roleAtLeast(role: TenantRole, needed: TenantRole): boolean {
  return RANK[role] >= RANK[needed];
}

export const REQUIRED_TENANT_ROLE = 'switchboard:required-tenant-role';

/**
 * The least tenant role a route needs, declared once on the route (read by
 * the global TenantRoleGuard). Without it a read (`GET`, `HEAD`, `OPTIONS`)
 * needs `viewer` and anything else `member`. Admin tokens are not tenant
 * callers and are not limited by it.
 */
export const RequiresTenantRole = (role: TenantRole): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_TENANT_ROLE, role);

/** The role a route needs by its method alone. */
export function defaultRoleFor(method: string): TenantRole {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'viewer' : 'member';
}

/**
 * @throws DomainException 403 `forbidden` when `role` is below `needed`.
 */
export function assertTenantRole(role: TenantRole, needed: TenantRole, what = 'This'): void {
  if (!roleAtLeast(role, needed)) {
    throw DomainException.forbidden(`${what} needs the tenant role ${needed} or above; the caller is ${role}.`);
  }
}
