import { Controller } from '@nestjs/common';
import {
  type HeldWorkspace,
  reconcileInstanceContract,
  ReconcileInstanceReply,
  ReconcileInstanceRequest,
  type RefusedSnapshot,
} from '@switchboard/contracts';
import { SnapshotSigner } from '@switchboard/crypto';
import { HandlesContract } from '@switchboard/server';

import { type PlacedWorkspace, RoutingRepository, type SyncRecord } from './routing.repository.js';
import { rowToSnapshot, signSnapshot, snapshotDigest } from './workspace-snapshot.mapper.js';

/** Snapshots per reply: a few hundred kB at most, well under NATS's default 1 MB message limit. */
export const RECONCILE_PAGE_SIZE = 100;

/**
 * An instance (at start and periodically) says what it holds — version and
 * digest of each workspace — and which snapshots of the previous reply it
 * refused. The Hub records that (so `sync.state` tells the truth: `drifted`
 * when the digest differs from the desired snapshot's, `failed` when the
 * instance refused it) and answers with the signed snapshots of every
 * workspace placed on it that it lacks, holds stale or holds altered, so
 * drift heals by itself. A refused snapshot is not sent again in the same
 * reconciliation. An instance asks only for itself: on a subject that carries
 * its id (the contract's `senderInSubject`, checked by `@HandlesContract`),
 * else the reply would hand it another instance's workspaces.
 */
@Controller()
export class ReconcileHandler {
  constructor(
    private readonly routing: RoutingRepository,
    private readonly signer: SnapshotSigner,
  ) {}

  /** Refused with `403 forbidden` (the typed error reply) by `@HandlesContract` when the payload names another instance. */
  @HandlesContract(reconcileInstanceContract)
  async reconcile(request: ReconcileInstanceRequest): Promise<ReconcileInstanceReply> {
    const held = new Map<string, HeldWorkspace>(request.held.map((entry) => [entry.workspaceId, entry]));
    const refused = new Map<string, RefusedSnapshot>(
      (request.refused ?? []).map((entry) => [entry.workspaceId, entry]),
    );
    const placed = await this.routing.placedOn(request.instanceId);
    const changed: SyncRecord[] = [];
    const toSend: PlacedWorkspace[] = [];
    for (const row of placed) {
      const snapshot = rowToSnapshot(row);
      const holds = held.get(row.id);
      const refusal = refused.get(row.id);
      const refusedNow = refusal !== undefined && refusal.version === row.configVersion;
      const current = holds !== undefined && holds.version >= row.configVersion;
      const matches = current && holds.digest === snapshotDigest(snapshot);
      // What it holds is what it applied: record it (never beyond the Hub's version, never going back).
      const record: SyncRecord = {
        id: row.id,
        configVersion: row.configVersion,
        appliedVersion: row.appliedVersion,
        appliedDigest: row.appliedDigest,
        lastError: row.lastSyncError,
        errorCode: row.syncErrorCode,
      };
      if (holds && holds.version >= row.appliedVersion) {
        record.appliedVersion = Math.min(row.configVersion, holds.version);
        record.appliedDigest = holds.digest;
      }
      if (refusedNow) {
        record.lastError = refusal.message;
        record.errorCode = refusal.code;
      } else if (matches) {
        record.lastError = null;
        record.errorCode = null;
      }
      if (
        record.appliedVersion !== row.appliedVersion ||
        record.appliedDigest !== row.appliedDigest ||
        record.lastError !== row.lastSyncError ||
        record.errorCode !== row.syncErrorCode
      ) {
        changed.push(record);
      }
      if (!matches && !refusedNow) toSend.push(row);
    }
    await this.routing.recordSync(changed);
    // The instance is evidently up: retry its backed-off deliveries now rather than at the end of their backoff.
    await this.routing.retryBackedOff(request.instanceId);
    const page = toSend
      .slice(0, RECONCILE_PAGE_SIZE)
      .map((row) => signSnapshot(this.signer, request.instanceId, rowToSnapshot(row)));
    return toSend.length > RECONCILE_PAGE_SIZE ? { snapshots: page, more: true } : { snapshots: page };
  }
}
