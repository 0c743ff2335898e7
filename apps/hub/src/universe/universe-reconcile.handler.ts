import { Controller } from '@nestjs/common';
import { reconcileUniverseContract, ReconcileUniverseReply, ReconcileUniverseRequest } from '@switchboard/contracts';
import { HandlesContract } from '@switchboard/server';

import { UniverseRepository } from './universe.repository.js';
import { UniverseOutboxRelay } from './universe-outbox-relay.js';
import { universeDigest } from './universe-snapshot.mapper.js';

/**
 * An instance (at start and periodically) says which universe version it
 * holds and its digest. The Hub records it (`GET /instances` →
 * `universeVersion`) and, when the instance is behind, or holds the current
 * version with another digest (drift), queues a delivery of the current
 * universe to it through the universe outbox, so the same signed, acked,
 * retried path brings it up to date; its backed-off deliveries are made due
 * now (it is evidently up). An instance asks only for itself (the contract's
 * `senderInSubject`, checked by `@HandlesContract`: a payload naming another
 * instance is refused with 403).
 */
@Controller()
export class UniverseReconcileHandler {
  constructor(
    private readonly repository: UniverseRepository,
    private readonly relay: UniverseOutboxRelay,
  ) {}

  @HandlesContract(reconcileUniverseContract)
  async reconcile(request: ReconcileUniverseRequest): Promise<ReconcileUniverseReply> {
    await this.repository.recordHeld(request.instanceId, request.version, request.digest ?? null);
    const snapshot = await this.repository.snapshot();
    const behind = request.version < snapshot.version;
    const drifted =
      request.version === snapshot.version && snapshot.version > 0 && request.digest !== universeDigest(snapshot);
    if (!behind && !drifted) return { version: snapshot.version, queued: 0 };
    const queued = await this.repository.enqueueFor(request.instanceId, snapshot.version);
    this.relay.wake();
    return { version: snapshot.version, queued };
  }
}
