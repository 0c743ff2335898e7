import { Controller } from '@nestjs/common';
import {
  applyWorkspaceSnapshotContract,
  ApplyWorkspaceSnapshotReply,
  ApplyWorkspaceSnapshotRequest,
} from '@switchboard/contracts';
import { HandlesContract } from '@switchboard/server';

import { WorkspaceSyncService } from './workspace-sync.service.js';

/** Receives snapshots addressed to this instance; its replicas share the queue group. */
@Controller()
export class WorkspaceSyncHandler {
  constructor(private readonly sync: WorkspaceSyncService) {}

  @HandlesContract(applyWorkspaceSnapshotContract)
  apply(signed: ApplyWorkspaceSnapshotRequest): Promise<ApplyWorkspaceSnapshotReply> {
    return this.sync.apply(signed);
  }
}
