import { Global, Module } from '@nestjs/common';
import { OutboundHttp, OutboundPolicy } from '@switchboard/server';

import { ActivityLogsModule } from '../activity-logs/activity-logs.module.js';
import { EventOutbox } from './event-outbox.js';
import { EventOutboxDelivery } from './event-outbox-delivery.js';
import { EventSubscriptionSelectorController } from './event-subscription-selector.controller.js';
import { EventSubscriptionsController } from './event-subscriptions.controller.js';
import { EventSubscriptionsService } from './event-subscriptions.service.js';

/** Global so that every feature that changes a tenant or a connection can enqueue its events. */
@Global()
@Module({
  imports: [ActivityLogsModule],
  controllers: [EventSubscriptionsController, EventSubscriptionSelectorController],
  providers: [
    EventOutbox,
    EventOutboxDelivery,
    EventSubscriptionsService,
    {
      provide: OutboundHttp,
      useFactory: (policy: OutboundPolicy) => new OutboundHttp(policy),
      inject: [OutboundPolicy],
    },
  ],
  exports: [EventOutbox],
})
export class EventsModule {}
