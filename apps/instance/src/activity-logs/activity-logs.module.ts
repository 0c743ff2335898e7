import { Module } from '@nestjs/common';

import { ActivityLogsController } from './activity-logs.controller.js';
import { ActivityLogsRepository } from './activity-logs.repository.js';
import { ActivityLogsService } from './activity-logs.service.js';

/** The activity log API; entries are written through ActivityLogService in the global JournalModule. */
@Module({ controllers: [ActivityLogsController], providers: [ActivityLogsService, ActivityLogsRepository] })
export class ActivityLogsModule {}
