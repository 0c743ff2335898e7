import { Module } from '@nestjs/common';

import { ActivityLogService } from '../journal/activity-log.service.js';
import { ActivityLogsController } from './activity-logs.controller.js';

@Module({
  controllers: [ActivityLogsController],
  providers: [ActivityLogService],
  exports: [ActivityLogService],
})
export class ActivityLogsModule {}
