export const ORG_ROLES = ['owner', 'admin', 'member'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/** Roles that may change an org and its workspaces. */
export const ORG_MANAGERS: readonly OrgRole[] = ['owner', 'admin'];
