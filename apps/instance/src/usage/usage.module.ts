import { Module } from '@nestjs/common';

import { BalanceController } from './balance.controller.js';
import { BalanceRepository } from './balance.repository.js';
import { BalanceService } from './balance.service.js';
import { RateLimitMetrics } from './rate-limit-metrics.js';
import { UsageController } from './usage.controller.js';
import { UsageRepository } from './usage.repository.js';
import { UsageService } from './usage.service.js';

@Module({
  controllers: [UsageController, BalanceController],
  providers: [UsageRepository, UsageService, BalanceRepository, BalanceService, RateLimitMetrics],
  // For RateLimitGuard, a global guard provided by AuthModule.
  exports: [UsageRepository, RateLimitMetrics],
})
export class UsageModule {}
