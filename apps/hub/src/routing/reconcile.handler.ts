import { Controller, Logger } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import { InjectDataSource } from '@nestjs/typeorm';
import { reconcileInstanceContract, ReconcileInstanceReply, ReconcileInstanceRequest } from '@switchboard/contracts';
import { DataSource } from 'typeorm';

import { HubConfig } from '../config.js';
import { verifiedSender } from '../instances/instance-identity.js';
import { OUTBOX_CHANNEL, type OutboxNotice } from './outbox.service.js';
import { rowToSnapshot, SNAPSHOT_COLUMNS, type WorkspaceSnapshotRow } from './workspace-snapshot.mapper.js';

/** Snapshots per reply: a few hundred kB at most, well under NATS's default 1 MB message limit. */
export const RECONCILE_PAGE_SIZE = 100;

/**
 * An instance (at start and periodically) says which versions it holds; it
 * gets back the snapshots of every workspace placed on it that it lacks or
 * holds stale, so drift heals by itself. An instance asks only for itself:
 * on a subject that carries its id (see `verifiedSender`), else the reply
 * would hand it another instance's workspaces.
 */
@Controller()
export class ReconcileHandler {
  private readonly logger = new Logger(ReconcileHandler.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: HubConfig,
  ) {}

  /** @throws DomainException 403 (as the typed error reply) when the payload names another instance. */
  @MessagePattern(reconcileInstanceContract.subject)
  async reconcile(
    @Payload() request: ReconcileInstanceRequest,
    @Ctx() context: NatsContext,
  ): Promise<ReconcileInstanceReply> {
    try {
      verifiedSender(reconcileInstanceContract, this.config.NATS_NAMESPACE, context, request.instanceId);
    } catch (error) {
      this.logger.warn(`reconciliation refused: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
    const held = request.held.map((entry) => entry.workspaceId);
    const versions = request.held.map((entry) => entry.version);
    // What it holds is what it applied: record that (never beyond the Hub's version).
    await this.dataSource.query(
      `UPDATE org_workspaces w SET applied_version = LEAST(w.config_version, h.version), last_sync_error = NULL
       FROM unnest($2::uuid[], $3::int[]) AS h(id, version)
       WHERE w.id = h.id AND w.instance_id = $1 AND h.version > w.applied_version`,
      [request.instanceId, held, versions],
    );
    const stale = await this.dataSource.query<WorkspaceSnapshotRow[]>(
      `SELECT ${SNAPSHOT_COLUMNS.map((column) => `w.${column}`).join(', ')}
       FROM org_workspaces w LEFT JOIN unnest($2::uuid[], $3::int[]) AS h(id, version) ON h.id = w.id
       WHERE w.instance_id = $1 AND coalesce(h.version, 0) < w.config_version
       ORDER BY w.id LIMIT $4`,
      [request.instanceId, held, versions, RECONCILE_PAGE_SIZE + 1],
    );
    // The instance is evidently up: retry its backed-off deliveries now rather than at the end of their backoff.
    const retried = await this.dataSource.query<[unknown[], number]>(
      `UPDATE routing_outbox SET next_attempt_at = now()
       WHERE instance_id = $1 AND delivered_at IS NULL AND attempts > 0 AND next_attempt_at > now()`,
      [request.instanceId],
    );
    if (retried[1] > 0) {
      const notice: OutboxNotice = { instanceId: request.instanceId };
      await this.dataSource.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, JSON.stringify(notice)]);
    }
    const page = stale.slice(0, RECONCILE_PAGE_SIZE).map(rowToSnapshot);
    return stale.length > RECONCILE_PAGE_SIZE ? { snapshots: page, more: true } : { snapshots: page };
  }
}
