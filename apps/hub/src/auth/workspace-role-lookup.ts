import type { OrgRole } from './org-role.js';

/**
 * How AccessGuard learns the org of an org workspace and the caller's role in
 * it, without the auth folder importing the org-workspaces feature: that
 * feature provides this token (OrgWorkspacesService).
 */
export abstract class WorkspaceRoleLookup {
  /**
   * The org that owns workspace `workspaceId` and `userId`'s role in it
   * (`null` when the user is not a member); `undefined` when no such workspace
   * exists. `cached`: may answer from the access-token issuance cache.
   */
  abstract callerRole(
    userId: string,
    workspaceId: string,
    cached: boolean,
  ): Promise<{ orgId: string; role: OrgRole | null } | undefined>;

  /**
   * `callerRole(userId, workspaceId, true)` when the issuance cache alone
   * answers it, without a promise; `undefined` when it cannot (then call
   * `callerRole`). Optional: a lookup without a cache leaves it out.
   */
  cachedCallerRole?(userId: string, workspaceId: string): { orgId: string; role: OrgRole | null } | undefined;
}
