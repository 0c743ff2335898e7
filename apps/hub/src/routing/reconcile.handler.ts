import { Controller } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  type HeldWorkspace,
  reconcileInstanceContract,
  ReconcileInstanceReply,
  ReconcileInstanceRequest,
  type RefusedSnapshot,
} from '@switchboard/contracts';
import { SnapshotSigner } from '@switchboard/crypto';
import { HandlesContract } from '@switchboard/server';
import { DataSource } from 'typeorm';

import { ROUTING_OUTBOX_CHANNEL, type RoutingOutboxNotice } from './routing-outbox.service.js';
import {
  rowToSnapshot,
  signSnapshot,
  SNAPSHOT_COLUMNS,
  snapshotDigest,
  type WorkspaceSnapshotRow,
} from './workspace-snapshot.mapper.js';

/** Snapshots per reply: a few hundred kB at most, well under NATS's default 1 MB message limit. */
export const RECONCILE_PAGE_SIZE = 100;

interface PlacedWorkspace extends WorkspaceSnapshotRow {
  applied_version: number;
  applied_digest: string | null;
  last_sync_error: string | null;
  sync_error_code: string | null;
}

/** What one reconciliation records about one workspace. */
interface SyncRecord {
  id: string;
  configVersion: number;
  appliedVersion: number;
  appliedDigest: string | null;
  lastError: string | null;
  errorCode: string | null;
}

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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly signer: SnapshotSigner,
  ) {}

  /** Refused with `403 forbidden` (the typed error reply) by `@HandlesContract` when the payload names another instance. */
  @HandlesContract(reconcileInstanceContract)
  async reconcile(request: ReconcileInstanceRequest): Promise<ReconcileInstanceReply> {
    const held = new Map<string, HeldWorkspace>(request.held.map((entry) => [entry.workspaceId, entry]));
    const refused = new Map<string, RefusedSnapshot>(
      (request.refused ?? []).map((entry) => [entry.workspaceId, entry]),
    );
    const placed = await this.dataSource.query<PlacedWorkspace[]>(
      `SELECT ${SNAPSHOT_COLUMNS.map((column) => `w.${column}`).join(', ')},
              w.applied_version, w.applied_digest, w.last_sync_error, w.sync_error_code
       FROM org_workspaces w WHERE w.instance_id = $1 ORDER BY w.id`,
      [request.instanceId],
    );
    const changed: SyncRecord[] = [];
    const toSend: PlacedWorkspace[] = [];
    for (const row of placed) {
      const snapshot = rowToSnapshot(row);
      const holds = held.get(row.id);
      const refusal = refused.get(row.id);
      const refusedNow = refusal !== undefined && refusal.version === row.config_version;
      const current = holds !== undefined && holds.version >= row.config_version;
      const matches = current && holds.digest === snapshotDigest(snapshot);
      // What it holds is what it applied: record it (never beyond the Hub's version, never going back).
      const record: SyncRecord = {
        id: row.id,
        configVersion: row.config_version,
        appliedVersion: row.applied_version,
        appliedDigest: row.applied_digest,
        lastError: row.last_sync_error,
        errorCode: row.sync_error_code,
      };
      if (holds && holds.version >= row.applied_version) {
        record.appliedVersion = Math.min(row.config_version, holds.version);
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
        record.appliedVersion !== row.applied_version ||
        record.appliedDigest !== row.applied_digest ||
        record.lastError !== row.last_sync_error ||
        record.errorCode !== row.sync_error_code
      ) {
        changed.push(record);
      }
      if (!matches && !refusedNow) toSend.push(row);
    }
    await this.record(changed);
    // The instance is evidently up: retry its backed-off deliveries now rather than at the end of their backoff.
    const retried = await this.dataSource.query<[unknown[], number]>(
      `UPDATE routing_outbox SET next_attempt_at = now()
       WHERE instance_id = $1 AND delivered_at IS NULL AND attempts > 0 AND next_attempt_at > now()`,
      [request.instanceId],
    );
    if (retried[1] > 0) {
      const notice: RoutingOutboxNotice = { instanceId: request.instanceId };
      await this.dataSource.query('SELECT pg_notify($1, $2)', [ROUTING_OUTBOX_CHANNEL, JSON.stringify(notice)]);
    }
    const page = toSend
      .slice(0, RECONCILE_PAGE_SIZE)
      .map((row) => signSnapshot(this.signer, request.instanceId, rowToSnapshot(row)));
    return toSend.length > RECONCILE_PAGE_SIZE ? { snapshots: page, more: true } : { snapshots: page };
  }

  /** One statement for every workspace whose record changed, skipping any whose configuration changed meanwhile. */
  private async record(changed: SyncRecord[]): Promise<void> {
    if (changed.length === 0) return;
    await this.dataSource.query(
      `UPDATE org_workspaces w
       SET applied_version = LEAST(w.config_version, GREATEST(w.applied_version, u.applied_version)),
           applied_digest = u.applied_digest, last_sync_error = u.last_error, sync_error_code = u.error_code
       FROM unnest($1::uuid[], $2::int[], $3::int[], $4::text[], $5::text[], $6::text[])
         AS u(id, config_version, applied_version, applied_digest, last_error, error_code)
       WHERE w.id = u.id AND w.config_version = u.config_version`,
      [
        changed.map((record) => record.id),
        changed.map((record) => record.configVersion),
        changed.map((record) => record.appliedVersion),
        changed.map((record) => record.appliedDigest),
        changed.map((record) => record.lastError),
        changed.map((record) => record.errorCode),
      ],
    );
  }
}
