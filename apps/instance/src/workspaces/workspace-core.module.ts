import { Global, Module } from '@nestjs/common';

import { TenantFieldsValidator } from './tenant-fields.validator.js';
import { WorkspaceCache } from './workspace-cache.js';
import { WorkspaceSyncService } from './workspace-sync.service.js';
import { WorkspacesRepository } from './workspaces.repository.js';

/**
 * This instance's copies of its workspaces, needed by auth, sync and every
 * feature, and the validator of their tenant field schemas (used by tenants
 * and by the workspace API).
 */
@Global()
@Module({
  providers: [WorkspacesRepository, WorkspaceCache, WorkspaceSyncService, TenantFieldsValidator],
  exports: [WorkspacesRepository, WorkspaceCache, WorkspaceSyncService, TenantFieldsValidator],
})
export class WorkspaceCoreModule {}
