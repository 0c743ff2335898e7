import { Module } from '@nestjs/common';

import { OutboxService } from './outbox.service.js';
import { ReconcileHandler } from './reconcile.handler.js';
import { RelayService } from './relay.service.js';
import { RoutingMetrics } from './routing-metrics.js';

@Module({
  controllers: [ReconcileHandler],
  providers: [OutboxService, RelayService, RoutingMetrics],
  exports: [OutboxService, RelayService],
})
export class RoutingModule {}
