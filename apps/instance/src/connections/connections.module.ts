import { Module } from '@nestjs/common';

import { IntegrationsModule } from '../integrations/integrations.module.js';
import { ConnectionsController } from './connections.controller.js';
import { ConnectionsRepository } from './connections.repository.js';
import { ConnectionsService } from './connections.service.js';

/** ActivityLogService and EventOutbox come from the global JournalModule. */
@Module({
  imports: [IntegrationsModule],
  controllers: [ConnectionsController],
  providers: [ConnectionsService, ConnectionsRepository],
})
export class ConnectionsModule {}
