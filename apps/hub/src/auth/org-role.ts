import { DomainException } from '@switchboard/server';

export const ORG_ROLES = ['owner', 'admin', 'member'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/** `value` when it is an org role, else undefined (for values read back from `org_members.role`). */
export function parseOrgRole(value: string): OrgRole | undefined {
  return ORG_ROLES.find((role) => role === value);
}

/** Roles that may change an org and its workspaces. */
export const ORG_MANAGERS: readonly OrgRole[] = ['owner', 'admin'];

/**
 * `role` when it is one of `allowed`.
 * @throws DomainException 403 naming the roles needed and the caller's.
 */
export function requireOrgRole(role: OrgRole, allowed: readonly OrgRole[]): OrgRole {
  if (!allowed.includes(role)) {
    throw DomainException.forbidden(`This needs one of the org roles ${allowed.join(', ')}; you are ${role}.`);
  }
  return role;
}
