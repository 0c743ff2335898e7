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
 * Placed workspaces one request examines at most: each is rebuilt into a
 * snapshot and digested, so a request's work stays bounded however many
 * workspaces the instance has (10,000 in bench/instance-reconcile).
 */
export const RECONCILE_SCAN_SIZE = 1000;

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
 *
 * A request covers a range of workspace ids (`after`, and the last held entry
 * when `partial`); the Hub examines at most RECONCILE_SCAN_SIZE workspaces of
 * it in id order and stops early once RECONCILE_PAGE_SIZE snapshots are to be
 * sent, answering `more` with `through`, the last id it examined. Workspaces
 * outside the range are neither recorded nor sent.
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
    const after = request.after ?? null;
    const last = request.held.at(-1)?.workspaceId;
    const upTo = request.partial === true && last !== undefined ? last : null;
    const placed = await this.routing.placedOn(request.instanceId, after, upTo, RECONCILE_SCAN_SIZE);
    const changed: SyncRecord[] = [];
    const toSend: PlacedWorkspace[] = [];
    let stoppedAt: string | undefined;
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
      if (toSend.length === RECONCILE_PAGE_SIZE) {
        stoppedAt = row.id;
        break;
      }
    }
    await this.routing.recordSync(changed);
    // The instance is evidently up: retry its backed-off deliveries now rather than at the end of their
    // backoff (once per pass over its workspaces, at the first range).
    if (after === null) await this.routing.retryBackedOff(request.instanceId);
    const snapshots = toSend.map((row) => signSnapshot(this.signer, request.instanceId, rowToSnapshot(row)));
    const through = stoppedAt ?? (placed.length === RECONCILE_SCAN_SIZE ? placed.at(-1)?.id : undefined);
    return through === undefined ? { snapshots } : { snapshots, more: true, through };
  }
}
