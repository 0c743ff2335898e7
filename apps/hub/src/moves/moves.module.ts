import { Module } from '@nestjs/common';

import { InstancesModule } from '../instances/instances.module.js';
import { OrgWorkspacesModule } from '../org-workspaces/org-workspaces.module.js';
import { OrgsModule } from '../orgs/orgs.module.js';
import { RoutingModule } from '../routing/routing.module.js';
import { MoveWorker } from './move-worker.js';
import { DrainController, MovesController } from './moves.controller.js';
import { MovesRepository } from './moves.repository.js';
import { MovesService } from './moves.service.js';

/** Moving workspaces between instances: the API, and the worker that drives each move (see MoveWorker). */
@Module({
  imports: [OrgsModule, InstancesModule, RoutingModule, OrgWorkspacesModule],
  controllers: [MovesController, DrainController],
  providers: [MovesRepository, MovesService, MoveWorker],
})
export class MovesModule {}
