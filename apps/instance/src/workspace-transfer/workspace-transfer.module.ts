import { Module } from '@nestjs/common';

import { EventsModule } from '../events/events.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { WorkspaceTransferController } from './workspace-transfer.controller.js';
import { WorkspaceTransferRepository } from './workspace-transfer.repository.js';
import { WorkspaceTransferService } from './workspace-transfer.service.js';

/** Workspace export and import; above the features it reads and writes (elements, integrations, tenants, event subscriptions). */
@Module({
  imports: [TenantsModule, EventsModule],
  controllers: [WorkspaceTransferController],
  providers: [WorkspaceTransferService, WorkspaceTransferRepository],
})
export class WorkspaceTransferModule {}
