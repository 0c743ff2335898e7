import { Module } from '@nestjs/common';

import { UniverseModule } from '../universe/universe.module.js';
import { HubLinkService } from './hub-link.service.js';
import { ReconcileMetrics } from './reconcile-metrics.js';
import { SchemaLevelRepository } from './schema-level.repository.js';

@Module({
  imports: [UniverseModule],
  providers: [HubLinkService, ReconcileMetrics, SchemaLevelRepository],
  exports: [HubLinkService],
})
export class RegistrationModule {}
