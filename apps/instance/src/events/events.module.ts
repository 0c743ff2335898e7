import { Module } from '@nestjs/common';
import { OutboundHttp, OutboundPolicy } from '@switchboard/server';

import { EventMetrics } from './event-metrics.js';
import { EventOutboxDelivery } from './event-outbox-delivery.js';
import { EventSubscriptionSelectorController } from './event-subscription-selector.controller.js';
import { EventSubscriptionsController } from './event-subscriptions.controller.js';
import { EventSubscriptionsService } from './event-subscriptions.service.js';
import { EventsRepository } from './events.repository.js';

/**
 * Event subscriptions and the delivery of the outbox. Features enqueue events
 * through EventOutbox in the global JournalModule, not through this module;
 * workspace import writes subscriptions through the exported EventsRepository.
 */
@Module({
  controllers: [EventSubscriptionsController, EventSubscriptionSelectorController],
  providers: [
    EventMetrics,
    EventOutboxDelivery,
    EventSubscriptionsService,
    EventsRepository,
    {
      provide: OutboundHttp,
      useFactory: (policy: OutboundPolicy) => new OutboundHttp(policy),
      inject: [OutboundPolicy],
    },
  ],
  exports: [EventsRepository],
})
export class EventsModule {}
