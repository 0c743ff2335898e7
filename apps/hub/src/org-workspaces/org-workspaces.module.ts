import { Module } from '@nestjs/common';

import { WorkspaceRoleLookup } from '../auth/workspace-role-lookup.js';
import { InstancesModule } from '../instances/instances.module.js';
import { OrgsModule } from '../orgs/orgs.module.js';
import { RoutingModule } from '../routing/routing.module.js';
import { AccessTokenService } from './access-token.service.js';
import { OrgWorkspacesController } from './org-workspaces.controller.js';
import { OrgWorkspacesRepository } from './org-workspaces.repository.js';
import { OrgWorkspacesService } from './org-workspaces.service.js';

@Module({
  imports: [OrgsModule, InstancesModule, RoutingModule],
  controllers: [OrgWorkspacesController],
  providers: [
    OrgWorkspacesRepository,
    OrgWorkspacesService,
    AccessTokenService,
    // AccessGuard finds the org of an org workspace here.
    { provide: WorkspaceRoleLookup, useExisting: OrgWorkspacesService },
  ],
  exports: [WorkspaceRoleLookup, OrgWorkspacesRepository],
})
export class OrgWorkspacesModule {}
