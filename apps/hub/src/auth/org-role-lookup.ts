import type { OrgRole } from './org-role.js';

/**
 * How AccessGuard learns a caller's role in an org without the auth folder
 * importing the orgs feature: that feature provides this token
 * (OrgAccessService), as org-workspaces provides WorkspaceRoleLookup.
 */
export abstract class OrgRoleLookup {
  /**
   * `userId`'s role in org `orgId` when it is one of `allowed`.
   * @throws DomainException 404 when the user is not a member (existence does not leak), 403 when the role is not enough.
   */
  abstract requireRole(orgId: string, userId: string, allowed: readonly OrgRole[]): Promise<OrgRole>;
}
