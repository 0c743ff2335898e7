import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  applyWorkspaceSnapshotContract,
  ApplyWorkspaceSnapshotReply,
  ApplyWorkspaceSnapshotRequest,
} from '@switchboard/contracts';

import { WorkspaceSyncService } from './workspace-sync.service.js';

/** Receives snapshots addressed to this instance; its replicas share the queue group. */
@Controller()
export class WorkspaceSyncHandler {
  constructor(private readonly sync: WorkspaceSyncService) {}

  @MessagePattern(applyWorkspaceSnapshotContract.subject)
  apply(@Payload() signed: ApplyWorkspaceSnapshotRequest): Promise<ApplyWorkspaceSnapshotReply> {
    return this.sync.apply(signed);
  }
}
