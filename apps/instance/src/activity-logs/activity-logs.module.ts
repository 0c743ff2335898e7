import { Module } from '@nestjs/common';

import { ActivityLogsController } from './activity-logs.controller.js';

/** The activity log API; entries are written through ActivityLogService in the global JournalModule. */
@Module({ controllers: [ActivityLogsController] })
export class ActivityLogsModule {}
