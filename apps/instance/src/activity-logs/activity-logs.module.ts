import { Module } from '@nestjs/common';

import { ActivityLogService } from './activity-log.service.js';
import { ActivityLogsController } from './activity-logs.controller.js';
import { ActivityLogsRepository } from './activity-logs.repository.js';

@Module({
  controllers: [ActivityLogsController],
  providers: [ActivityLogsRepository, ActivityLogService],
  exports: [ActivityLogService],
})
export class ActivityLogsModule {}
