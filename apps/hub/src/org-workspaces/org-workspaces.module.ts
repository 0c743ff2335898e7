import { Module } from '@nestjs/common';

import { InstancesModule } from '../instances/instances.module.js';
import { OrgsModule } from '../orgs/orgs.module.js';
import { RoutingModule } from '../routing/routing.module.js';
import { AccessTokenService } from './access-token.service.js';
import { OrgWorkspacesController } from './org-workspaces.controller.js';
import { OrgWorkspacesService } from './org-workspaces.service.js';

@Module({
  imports: [OrgsModule, InstancesModule, RoutingModule],
  controllers: [OrgWorkspacesController],
  providers: [OrgWorkspacesService, AccessTokenService],
})
export class OrgWorkspacesModule {}
