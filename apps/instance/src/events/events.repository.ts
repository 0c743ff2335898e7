import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, execute, type ExtraRow, queryRow, queryRows, Table } from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { type Scope, TenantScope } from '../database/tenant-scope.js';
import { Workspace } from '../workspaces/workspace.entity.js';
import { EventDelivery } from './event-delivery.entity.js';
import { EventSubscription } from './event-subscription.entity.js';

/**
 * A workspace whose events this instance delivers: not at or past the cutover of a move away (from then on
 * the target delivers them), not a copy still arriving (see moves/).
 */
const SERVED_HERE =
  "NOT EXISTS (SELECT 1 FROM workspace_move_sources s WHERE s.workspace_id = workspaces.id AND s.state <> 'copying') AND NOT EXISTS (SELECT 1 FROM workspace_move_targets m WHERE m.workspace_id = workspaces.id)";

/** What the delivery worker selects beside a delivery's own columns. */
const CLAIMED_EXTRA = {
  eventType: 'string',
  eventData: 'json',
  eventCreatedAt: 'date',
  /** Null for the workspace's webhook (no subscription). */
  subscriptionUri: 'string?',
  subscriptionArchived: 'boolean',
} as const;

/** A delivery a replica leased, with its event and its subscription's target. */
export type ClaimedDelivery = Columns<EventDelivery> & ExtraRow<typeof CLAIMED_EXTRA>;

/** A subscription row with its cursor position (created_at at full microsecond precision). */
export type SubscriptionPageRow = Columns<EventSubscription> & ExtraRow<{ position: 'string' }>;

/**
 * Deliveries delivered longer ago than the retention. SKIP LOCKED: another
 * replica pruning the same rows is neither waited for nor deadlocked with.
 */
const PRUNE_DELIVERIES = `WITH pruned AS (
    DELETE FROM event_deliveries WHERE id IN (
      SELECT id FROM event_deliveries
      WHERE workspace_id = $1 AND delivered_at < now() - make_interval(secs => $2)
      LIMIT $3
      FOR UPDATE SKIP LOCKED)
    RETURNING 1)
  SELECT count(*)::int AS count FROM pruned`;

/**
 * Events older than the retention with no delivery left (so none undelivered,
 * and none delivered within the retention), except each tenant's newest: the
 * outbox numbers the next event MAX(seq) + 1, so deleting the newest would
 * hand its seq out again. The worker never needs an event without deliveries.
 */
const PRUNE_EVENTS = `WITH pruned AS (
    DELETE FROM events WHERE id IN (
      SELECT e.id FROM events e
      WHERE e.workspace_id = $1 AND e.created_at < now() - make_interval(secs => $2)
        AND NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.event_id = e.id)
        AND EXISTS (SELECT 1 FROM events newer WHERE newer.tenant_id = e.tenant_id AND newer.seq > e.seq)
      LIMIT $3
      FOR UPDATE OF e SKIP LOCKED)
    RETURNING 1)
  SELECT count(*)::int AS count FROM pruned`;

/**
 * All SQL of the events feature (the outbox's writes are the journal's
 * EventOutboxRepository): what the delivery worker reads and writes of the
 * event outbox (`events`, `event_deliveries`), and
 * tenants' event subscriptions. Rows are decoded against the entities
 * (see `Table`). A method takes the scope first: a `Scope` when it opens its
 * own scoped transaction, the `EntityManager` of the caller's scoped
 * transaction when its statement must commit with others. Row-level security
 * decides what each scope sees.
 */
@Injectable()
export class EventsRepository {
  private readonly deliveries: Table<EventDelivery>;
  private readonly subscriptions: Table<EventSubscription>;
  private readonly workspaces: Table<Workspace>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: TenantScope,
  ) {
    this.deliveries = Table.of(dataSource, EventDelivery);
    this.subscriptions = Table.of(dataSource, EventSubscription);
    this.workspaces = Table.of(dataSource, Workspace);
  }

  // The delivery worker.

  /** Ids of every workspace, archived ones too (the table has no row-level security). */
  async listWorkspaceIds(): Promise<string[]> {
    const rows = await queryRows(this.dataSource.manager, `SELECT id FROM workspaces WHERE ${SERVED_HERE}`, [], {
      id: 'string',
    });
    return rows.map((row) => row.id);
  }

  /** Ids of the workspaces that are not archived (nor moving away at the cutover, nor still arriving). */
  async listLiveWorkspaceIds(): Promise<string[]> {
    const rows = await queryRows(
      this.dataSource.manager,
      `SELECT id FROM workspaces WHERE archived_at IS NULL AND ${SERVED_HERE}`,
      [],
      {
        id: 'string',
      },
    );
    return rows.map((row) => row.id);
  }

  /**
   * The event outbox over every workspace, for the metrics scrape: undelivered
   * deliveries and the age in seconds of the event behind the oldest (0 when
   * none). One statement: `event_outbox_stats()` (a SECURITY DEFINER function
   * that sets each workspace's scope in turn; migration 1764100000000).
   */
  async outboxStats(): Promise<{ pending: number; oldestPendingSeconds: number }> {
    const row = await queryRow(
      this.dataSource.manager,
      'SELECT pending::float8 AS pending, oldest_pending_seconds FROM event_outbox_stats()',
      [],
      { pending: 'number', oldest_pending_seconds: 'number' },
    );
    // The function always returns its one row.
    return { pending: row?.pending ?? 0, oldestPendingSeconds: row?.oldest_pending_seconds ?? 0 };
  }

  /**
   * Deletes at most `batchSize` deliveries of the scope's workspace delivered
   * more than `retentionSeconds` ago, in one transaction; the number deleted.
   */
  pruneDeliveries(scope: Scope, retentionSeconds: number, batchSize: number): Promise<number> {
    return this.prune(scope, PRUNE_DELIVERIES, retentionSeconds, batchSize);
  }

  /**
   * Deletes at most `batchSize` events of the scope's workspace older than
   * `retentionSeconds` that no delivery needs (see PRUNE_EVENTS), in one
   * transaction; the number deleted.
   */
  pruneEvents(scope: Scope, retentionSeconds: number, batchSize: number): Promise<number> {
    return this.prune(scope, PRUNE_EVENTS, retentionSeconds, batchSize);
  }

  private async prune(scope: Scope, statement: string, retentionSeconds: number, batchSize: number): Promise<number> {
    const row = await this.scope.run(scope, (manager) =>
      queryRow(manager, statement, [scope.workspaceId, retentionSeconds, batchSize], { count: 'number' }),
    );
    // count(*) yields one row; none would mean nothing was deleted.
    return row?.count ?? 0;
  }

  /**
   * The workspace, or null when it is archived or gone (the table has no row-level security), or not served
   * here because of a move: frozen or moved away (the target delivers), or still arriving.
   */
  findLiveWorkspace(manager: EntityManager, workspaceId: string): Promise<Columns<Workspace> | null> {
    return this.workspaces.queryOne(
      manager,
      `SELECT ${this.workspaces.columns} FROM workspaces WHERE id = $1 AND archived_at IS NULL AND ${SERVED_HERE}`,
      [workspaceId],
    );
  }

  /**
   * Leases up to `limit` due stream heads of the workspace for `leaseSeconds`,
   * in the caller's workspace-scope transaction. Per (tenant, target) only
   * the undelivered delivery with the lowest sequence is a candidate, so a
   * later event never overtakes an earlier one. SKIP LOCKED and the recheck
   * of `next_attempt_at` and `delivered_at` on the locked row keep two
   * replicas from taking the same delivery.
   */
  claimDue(
    manager: EntityManager,
    workspaceId: string,
    limit: number,
    leaseSeconds: number,
  ): Promise<ClaimedDelivery[]> {
    return this.deliveries.query(
      manager,
      `WITH heads AS (
         SELECT DISTINCT ON (tenant_id, subscription_id) id
         FROM event_deliveries
         WHERE workspace_id = $1 AND delivered_at IS NULL
         ORDER BY tenant_id, subscription_id, event_seq
       ), due AS (
         SELECT d.id FROM event_deliveries d JOIN heads ON heads.id = d.id
         WHERE d.delivered_at IS NULL AND d.next_attempt_at <= now()
         ORDER BY d.next_attempt_at
         LIMIT $2
         FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE event_deliveries d SET next_attempt_at = now() + make_interval(secs => $3)
         FROM due WHERE d.id = due.id
         RETURNING d.*
       )
       SELECT ${this.deliveries.columnsOf('c')}, e.type AS "eventType", e.data AS "eventData",
              e.created_at AS "eventCreatedAt", s.webhook_uri AS "subscriptionUri",
              COALESCE(s.archived_at IS NOT NULL, false) AS "subscriptionArchived"
       FROM claimed c
       JOIN events e ON e.id = c.event_id
       LEFT JOIN event_subscriptions s ON s.id = c.subscription_id`,
      [workspaceId, limit, leaseSeconds],
      CLAIMED_EXTRA,
    );
  }

  /** Drops a delivery whose target is gone. `scope`: the delivery's tenant. */
  async deleteDelivery(scope: Scope, id: string): Promise<void> {
    await this.scope.run(scope, (manager) => execute(manager, 'DELETE FROM event_deliveries WHERE id = $1', [id]));
  }

  /** Hands a leased, undelivered delivery back (due now) without counting an attempt. */
  async releaseDelivery(scope: Scope, id: string): Promise<void> {
    await this.scope.run(scope, (manager) =>
      execute(manager, 'UPDATE event_deliveries SET next_attempt_at = now() WHERE id = $1 AND delivered_at IS NULL', [
        id,
      ]),
    );
  }

  /** Marks an undelivered delivery delivered now, counting the attempt. */
  async markDelivered(scope: Scope, id: string): Promise<void> {
    await this.scope.run(scope, (manager) =>
      execute(
        manager,
        `UPDATE event_deliveries SET delivered_at = now(), attempts = attempts + 1, last_error = NULL
         WHERE id = $1 AND delivered_at IS NULL`,
        [id],
      ),
    );
  }

  /** Records a failed attempt of an undelivered delivery: its count, the reason, and when to try again. */
  async recordFailure(
    scope: Scope,
    id: string,
    failure: { attempts: number; error: string; retryInSeconds: number },
  ): Promise<void> {
    await this.scope.run(scope, (manager) =>
      execute(
        manager,
        `UPDATE event_deliveries SET attempts = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4)
         WHERE id = $1 AND delivered_at IS NULL`,
        [id, failure.attempts, failure.error, failure.retryInSeconds],
      ),
    );
  }

  /**
   * Milliseconds until the earliest stream head of the scope's workspace is
   * due (leases included; negative when overdue), or null when none is pending.
   */
  async nextDueInMs(scope: Scope): Promise<number | null> {
    const row = await this.scope.run(scope, (manager) =>
      queryRow(
        manager,
        `SELECT (extract(epoch FROM min(next_attempt_at) - now()) * 1000)::float8 AS in_ms FROM (
           SELECT DISTINCT ON (tenant_id, subscription_id) next_attempt_at
           FROM event_deliveries
           WHERE workspace_id = $1 AND delivered_at IS NULL
           ORDER BY tenant_id, subscription_id, event_seq) heads`,
        [scope.workspaceId],
        { in_ms: 'number?' },
      ),
    );
    return row?.in_ms ?? null;
  }

  // Subscriptions.

  /** Whether the tenant exists in the caller's scope (row-level security hides the others). */
  async tenantExists(manager: EntityManager, tenantId: string): Promise<boolean> {
    const row = await queryRow(manager, 'SELECT id FROM tenants WHERE id = $1', [tenantId], { id: 'string' });
    return row !== null;
  }

  /**
   * Takes the tenant's subscription lock until the transaction ends, then
   * counts its live subscriptions: one creation at a time per tenant, so
   * concurrent ones cannot pass a cap together.
   */
  async lockAndCountLive(manager: EntityManager, tenantId: string): Promise<number> {
    await execute(manager, 'SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))', [tenantId]);
    const row = await queryRow(
      manager,
      'SELECT count(*)::int AS live FROM event_subscriptions WHERE tenant_id = $1 AND archived_at IS NULL',
      [tenantId],
      { live: 'number' },
    );
    return row?.live ?? 0;
  }

  /** Stores a new subscription and returns it. */
  async insertSubscription(
    manager: EntityManager,
    subscription: Pick<EventSubscription, 'workspaceId' | 'tenantId' | 'eventType' | 'webhookUri'>,
  ): Promise<Columns<EventSubscription>> {
    const row = await this.subscriptions.queryOne(
      manager,
      `INSERT INTO event_subscriptions (workspace_id, tenant_id, event_type, webhook_uri)
       VALUES ($1, $2, $3, $4) RETURNING ${this.subscriptions.columns}`,
      [subscription.workspaceId, subscription.tenantId, subscription.eventType, subscription.webhookUri],
    );
    if (!row) throw new Error('INSERT … RETURNING returned no event subscription');
    return row;
  }

  /**
   * One page of live subscriptions, oldest first: of `tenantId`, or of every
   * tenant the scope sees when null; after `after`; `limit` rows at most.
   */
  listPage(
    scope: Scope,
    page: { tenantId: string | null; after: CursorPosition | null; limit: number },
  ): Promise<SubscriptionPageRow[]> {
    return this.scope.run(scope, (manager) =>
      this.subscriptions.query(
        manager,
        `SELECT ${this.subscriptions.columns}, to_json(created_at) #>> '{}' AS position FROM event_subscriptions
         WHERE archived_at IS NULL
           AND ($1::uuid IS NULL OR tenant_id = $1)
           AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
         ORDER BY created_at, id
         LIMIT $4`,
        [page.tenantId, page.after?.at ?? null, page.after?.id ?? null, page.limit],
        { position: 'string' },
      ),
    );
  }

  /**
   * The live subscription, locked until the transaction ends (a concurrent
   * delete of it waits, then finds it gone); null when there is none in scope.
   */
  findLiveForUpdate(manager: EntityManager, id: string): Promise<Columns<EventSubscription> | null> {
    return this.subscriptions.queryOne(
      manager,
      `SELECT ${this.subscriptions.columns} FROM event_subscriptions WHERE id = $1 AND archived_at IS NULL FOR UPDATE`,
      [id],
    );
  }

  /** Archives the subscription and drops what was still queued for it. */
  async archiveSubscription(manager: EntityManager, id: string): Promise<void> {
    await execute(manager, 'UPDATE event_subscriptions SET archived_at = now() WHERE id = $1', [id]);
    await execute(manager, 'DELETE FROM event_deliveries WHERE subscription_id = $1 AND delivered_at IS NULL', [id]);
  }
}
