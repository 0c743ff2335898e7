import { Module } from '@nestjs/common';

import { ActivityLogsModule } from '../activity-logs/activity-logs.module.js';
import { IntegrationsModule } from '../integrations/integrations.module.js';
import { ConnectionsController } from './connections.controller.js';
import { ConnectionsService } from './connections.service.js';

/** EventOutbox comes from the global EventsModule. */
@Module({
  imports: [ActivityLogsModule, IntegrationsModule],
  controllers: [ConnectionsController],
  providers: [ConnectionsService],
})
export class ConnectionsModule {}
