import { Module } from '@nestjs/common';

import { RateLimitMetrics } from './rate-limit-metrics.js';
import { UsageController } from './usage.controller.js';
import { UsageRepository } from './usage.repository.js';
import { UsageService } from './usage.service.js';

@Module({
  controllers: [UsageController],
  providers: [UsageRepository, UsageService, RateLimitMetrics],
  // For RateLimitGuard, a global guard provided by AuthModule.
  exports: [UsageRepository, RateLimitMetrics],
})
export class UsageModule {}
