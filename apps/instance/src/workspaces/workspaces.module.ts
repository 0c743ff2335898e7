import { Module } from '@nestjs/common';

import { WorkspaceController } from './workspace.controller.js';
import { WorkspaceSyncHandler } from './workspace-sync.handler.js';

/** The workspace API and snapshot handling; the cache, sync and tenant-field validator live in WorkspaceCoreModule. */
@Module({
  controllers: [WorkspaceController, WorkspaceSyncHandler],
})
export class WorkspacesModule {}
