import { Module } from '@nestjs/common';

import { ReconcileHandler } from './reconcile.handler.js';
import { RoutingRepository } from './routing.repository.js';
import { RoutingMetrics } from './routing-metrics.js';
import { RoutingOutboxService } from './routing-outbox.service.js';
import { RoutingOutboxRelay } from './routing-outbox-relay.js';

@Module({
  controllers: [ReconcileHandler],
  providers: [RoutingRepository, RoutingOutboxService, RoutingOutboxRelay, RoutingMetrics],
  exports: [RoutingOutboxService, RoutingOutboxRelay],
})
export class RoutingModule {}
