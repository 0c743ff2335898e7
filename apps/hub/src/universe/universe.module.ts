import { Module } from '@nestjs/common';

import { UniverseController } from './universe.controller.js';
import { UniverseRepository } from './universe.repository.js';
import { UniverseService } from './universe.service.js';
import { UniverseOutboxRelay } from './universe-outbox-relay.js';
import { UniverseReconcileHandler } from './universe-reconcile.handler.js';

/** The universe on the Hub: its API, its outbox relay to every instance, and universe reconciliation. */
@Module({
  controllers: [UniverseController, UniverseReconcileHandler],
  providers: [UniverseRepository, UniverseService, UniverseOutboxRelay],
})
export class UniverseModule {}
