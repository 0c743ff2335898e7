import { Module } from '@nestjs/common';

import { PlacementPublisher } from './placement-publisher.js';
import { PlacementsHandler } from './placements.handler.js';
import { PlacementsRepository } from './placements.repository.js';
import { ReconcileHandler } from './reconcile.handler.js';
import { RoutingRepository } from './routing.repository.js';
import { RoutingMetrics } from './routing-metrics.js';
import { RoutingOutboxService } from './routing-outbox.service.js';
import { RoutingOutboxRelay } from './routing-outbox-relay.js';

@Module({
  controllers: [ReconcileHandler, PlacementsHandler],
  providers: [
    RoutingRepository,
    RoutingOutboxService,
    RoutingOutboxRelay,
    RoutingMetrics,
    PlacementsRepository,
    PlacementPublisher,
  ],
  exports: [RoutingOutboxService, RoutingOutboxRelay, PlacementPublisher],
})
export class RoutingModule {}
