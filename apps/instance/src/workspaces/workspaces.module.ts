import { Module } from '@nestjs/common';

import { TenantsModule } from '../tenants/tenants.module.js';
import { WorkspaceController } from './workspace.controller.js';
import { WorkspaceSyncHandler } from './workspace-sync.handler.js';

/** The workspace API and snapshot handling; the cache and sync services live in WorkspaceCoreModule. */
@Module({
  imports: [TenantsModule],
  controllers: [WorkspaceController, WorkspaceSyncHandler],
})
export class WorkspacesModule {}
