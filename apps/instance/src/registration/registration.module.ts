import { Module } from '@nestjs/common';

import { HubLinkService } from './hub-link.service.js';
import { ReconcileMetrics } from './reconcile-metrics.js';

@Module({
  providers: [HubLinkService, ReconcileMetrics],
  exports: [HubLinkService],
})
export class RegistrationModule {}
