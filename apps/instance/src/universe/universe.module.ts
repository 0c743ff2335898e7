import { Module } from '@nestjs/common';

import { UniverseController } from './universe.controller.js';
import { UniverseReader } from './universe.reader.js';
import { UniverseRepository } from './universe.repository.js';
import { UniverseSyncHandler } from './universe-sync.handler.js';
import { UniverseSyncService } from './universe-sync.service.js';

/**
 * The universe on this instance: applying the Hub's signed universe snapshots
 * (`UniverseSyncService`, also used by reconciliation), serving it read-only,
 * and `UniverseReader` for any feature that resolves elements across levels.
 */
@Module({
  controllers: [UniverseController, UniverseSyncHandler],
  providers: [UniverseRepository, UniverseReader, UniverseSyncService],
  exports: [UniverseReader, UniverseSyncService],
})
export class UniverseModule {}
