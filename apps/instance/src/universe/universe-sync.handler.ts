import { Controller } from '@nestjs/common';
import {
  applyUniverseSnapshotContract,
  ApplyUniverseSnapshotReply,
  ApplyUniverseSnapshotRequest,
} from '@switchboard/contracts';
import { HandlesContract } from '@switchboard/server';

import { UniverseSyncService } from './universe-sync.service.js';

/** Receives universe snapshots addressed to this instance; its replicas share the queue group. */
@Controller()
export class UniverseSyncHandler {
  constructor(private readonly sync: UniverseSyncService) {}

  @HandlesContract(applyUniverseSnapshotContract)
  apply(signed: ApplyUniverseSnapshotRequest): Promise<ApplyUniverseSnapshotReply> {
    return this.sync.apply(signed);
  }
}
