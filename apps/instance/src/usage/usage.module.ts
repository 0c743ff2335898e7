import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';

import { ActivityLogsModule } from '../activity-logs/activity-logs.module.js';
import { RateLimitInterceptor } from './rate-limit.interceptor.js';
import { UsageController } from './usage.controller.js';
import { UsageService } from './usage.service.js';

@Module({
  imports: [ActivityLogsModule],
  controllers: [UsageController],
  providers: [UsageService, { provide: APP_INTERCEPTOR, useClass: RateLimitInterceptor }],
})
export class UsageModule {}
