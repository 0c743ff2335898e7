import { Global, Module } from '@nestjs/common';

import { WorkspaceCache } from './workspace-cache.js';
import { WorkspaceSyncService } from './workspace-sync.service.js';
import { WorkspacesRepository } from './workspaces.repository.js';

/** This instance's copies of its workspaces, needed by auth, sync and every feature. */
@Global()
@Module({
  providers: [WorkspacesRepository, WorkspaceCache, WorkspaceSyncService],
  exports: [WorkspacesRepository, WorkspaceCache, WorkspaceSyncService],
})
export class WorkspaceCoreModule {}
