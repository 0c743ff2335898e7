import { Injectable } from '@nestjs/common';
import { DomainException } from '@switchboard/server';

import { type OrgRole, requireOrgRole } from '../auth/org-role.js';
import { OrgRoleLookup } from '../auth/org-role-lookup.js';
import { OrgsRepository } from './orgs.repository.js';

/**
 * Decides what a user may do in an org. A user who is not a member gets 404,
 * so that the existence of other orgs does not leak; a member whose role is
 * not enough gets 403.
 */
@Injectable()
export class OrgAccessService implements OrgRoleLookup {
  /** Goes up whenever this replica changes a membership, so that caches of roles (the issuance cache) can tell they are stale. */
  membershipGeneration = 0;

  constructor(private readonly orgs: OrgsRepository) {}

  membershipsChanged(): void {
    this.membershipGeneration++;
  }

  async requireRole(orgId: string, userId: string, allowed: readonly OrgRole[], what = 'The org'): Promise<OrgRole> {
    const role = await this.orgs.roleOf(orgId, userId);
    if (!role) throw DomainException.notFound(what);
    return requireOrgRole(role, allowed);
  }
}
