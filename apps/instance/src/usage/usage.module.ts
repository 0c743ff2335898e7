import { Module } from '@nestjs/common';

import { ActivityLogsModule } from '../activity-logs/activity-logs.module.js';
import { UsageController } from './usage.controller.js';
import { UsageService } from './usage.service.js';

@Module({
  imports: [ActivityLogsModule],
  controllers: [UsageController],
  providers: [UsageService],
})
export class UsageModule {}
