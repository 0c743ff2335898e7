import { Global, Module } from '@nestjs/common';

import { ActivityLogService } from './activity-log.service.js';
import { ActivityLogJournalRepository } from './activity-log-journal.repository.js';
import { DeliveriesInFlight } from './deliveries-in-flight.js';
import { EventOutbox } from './event-outbox.js';
import { EventOutboxRepository } from './event-outbox.repository.js';

/**
 * What a change leaves behind in its own transaction: an activity log entry
 * (ActivityLogService) and the events it causes (EventOutbox). Global, and
 * below every feature, so that tenants, connections, elements, usage and
 * events write both without importing each other; the activity-logs feature
 * serves the log, the events feature delivers the outbox.
 */
@Global()
@Module({
  providers: [ActivityLogService, ActivityLogJournalRepository, EventOutbox, EventOutboxRepository, DeliveriesInFlight],
  exports: [ActivityLogService, EventOutbox, DeliveriesInFlight],
})
export class JournalModule {}
