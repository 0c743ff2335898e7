import { useEffect, useState } from 'preact/hooks';

import { type ProblemError, seg } from '../core/api';
import { toProblemError } from '../core/paging';
import { hub, type Session } from '../core/session';
import type { Org, OrgWorkspace } from './types';

/** A workspace and its org (for the caller's role), each read once from the Hub. */
export interface WorkspaceAccess {
  workspace: OrgWorkspace | undefined;
  org: Org | undefined;
  error: ProblemError | undefined;
}

/**
 * Reads `GET /org-workspaces/{id}` and then `GET /orgs/{orgId}`: pages under a workspace decide what to
 * offer by the caller's org role (owners and admins get admin tokens for the instance; members do not).
 */
export function useWorkspaceAccess(session: Session, workspaceId: string): WorkspaceAccess {
  const [workspace, setWorkspace] = useState<OrgWorkspace | undefined>();
  const [org, setOrg] = useState<Org | undefined>();
  const [error, setError] = useState<ProblemError | undefined>();
  useEffect(() => {
    let live = true;
    hub<OrgWorkspace>(session, 'GET', `/org-workspaces/${seg(workspaceId)}`)
      .then(async (found) => {
        const owner = await hub<Org>(session, 'GET', `/orgs/${seg(found.orgId)}`);
        if (!live) return;
        setWorkspace(found);
        setOrg(owner);
      })
      .catch((caught: unknown) => live && setError(toProblemError(caught)));
    return () => {
      live = false;
    };
  }, [workspaceId]);
  return { workspace, org, error };
}
